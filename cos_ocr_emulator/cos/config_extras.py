"""Configuration operations that are more than put/get/delete of one document: the inventory and
intelligent-tiering listings, the one-off inventory job, custom-domain certificates, and the rules that
need the store (a logging target bucket, versioning under replication).
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

from starlette.responses import Response

from cos_ocr_emulator.cos.configs import document_key, keyed_documents, missing
from cos_ocr_emulator.cos.context import Ctx
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.pem import CertificateError, validity
from cos_ocr_emulator.responses import empty_response, xml_response
from cos_ocr_emulator.xml._writer import Node, document
from cos_ocr_emulator.xml.config_spec import ConfigSpec, parse_config
from cos_ocr_emulator.xml.configs_access import DOMAIN_CERTIFICATE
from cos_ocr_emulator.xml.configs_data import INTELLIGENT_TIERING_V2, INVENTORY, INVENTORY_JOB
from cos_ocr_emulator.xml.schema import children_named, element_nodes, text_at, text_of

INVENTORY_PAGE = 100


# --- rules that need the store -----------------------------------------------------------------------
async def check_logging_target(ctx: Ctx, spec: ConfigSpec, doc: str) -> None:
    """The target bucket must exist and be in the source bucket's region."""
    target = text_at(ET.fromstring(doc), "LoggingEnabled/TargetBucket") or ""
    source = await ctx.store.get_bucket(ctx.req.bucket)
    try:
        found = await ctx.store.get_bucket(target)
    except CosError:
        raise CosError("InvalidTargetBucketForLogging", f"The target bucket {target!r} does not exist.") from None
    if found.region != source.region:
        raise CosError("InvalidTargetBucketForLogging", f"The target bucket {target!r} is in {found.region}.")


async def check_versioning_enabled(ctx: Ctx, spec: ConfigSpec, doc: str) -> None:
    """Replication copies versions: COS refuses it on a bucket whose versioning is not Enabled."""
    if await ctx.store.get_bucket_config(ctx.req.bucket, "versioning") != "Enabled":
        raise CosError("InvalidRequest", "Versioning must be Enabled on the bucket to set a replication rule.")


# --- listings ---------------------------------------------------------------------------------------
def _nodes_of(doc: str) -> list[Node]:
    return element_nodes(ET.fromstring(doc))


async def list_inventory(ctx: Ctx) -> Response:
    """GET ?inventory without an id: 100 configurations a page, in id order; the token is the last id."""
    token = ctx.req.param("continuation-token") or ""
    docs = [(text_at(ET.fromstring(d), "Id") or "", d) for d in await keyed_documents(ctx, INVENTORY)]
    page = [(i, d) for i, d in docs if i > token][:INVENTORY_PAGE]
    truncated = bool(page) and page[-1][0] < docs[-1][0]
    children: list[Node] = [("InventoryConfiguration", _nodes_of(d)) for _, d in page]
    if token:
        children.append(("ContinuationToken", token))
    children.append(("IsTruncated", truncated))
    if truncated:
        children.append(("NextContinuationToken", page[-1][0]))
    return xml_response(document("ListInventoryConfigurationResult", children))


async def post_inventory(ctx: Ctx) -> Response:
    """POST ?inventory&id=: a one-off inventory job. Validated like a PUT and accepted; no report is written
    (docs/deviations.md)."""
    await ctx.store.get_bucket(ctx.req.bucket)
    name = document_key(ctx, INVENTORY_JOB)
    root, _ = parse_config(INVENTORY_JOB, await ctx.body_bytes())
    if text_at(root, "Id") != name.split("/", 1)[1]:
        raise CosError("InvalidArgument", "<Id> differs from the id in the query string.")
    return empty_response()


async def list_intelligent_tiering(ctx: Ctx) -> Response:
    await ctx.store.get_bucket(ctx.req.bucket)
    children: list[Node] = [("IntelligentTieringConfiguration", _nodes_of(d))
                            for d in await keyed_documents(ctx, INTELLIGENT_TIERING_V2)]  # fmt: skip
    return xml_response(document("ListBucketIntelligentTieringConfigurationsOutput", children))


# --- custom-domain certificates ----------------------------------------------------------------------
async def put_domain_certificate(ctx: Ctx) -> Response:
    """One PUT binds a certificate to every listed domain; each domain's GET reports its validity."""
    await ctx.store.get_bucket(ctx.req.bucket)
    root, _ = parse_config(DOMAIN_CERTIFICATE, await ctx.body_bytes())
    if text_at(root, "CertificateInfo/CustomCert/CertId"):
        raise CosError(
            "InvalidArgument",
            "The emulator has no SSL certificate service to look a <CertId> up in; upload <Cert> and <PrivateKey>.",
        )
    cert = text_at(root, "CertificateInfo/CustomCert/Cert") or ""
    try:
        begin, expire = validity(cert)
    except CertificateError as exc:
        raise CosError("InvalidArgument", f"<Cert> is not a readable X.509 certificate: {exc}.") from exc
    cert_id = hashlib.sha256(cert.encode()).hexdigest()[:8]
    info: list[Node] = [
        ("CertId", cert_id),
        ("ValidityBegin", int(begin.timestamp())),
        ("ValidityExpire", int(expire.timestamp())),
    ]
    doc = document("DomainCertificate", [("Status", "Enabled"), ("CertificateInfo", info)]).decode()
    for domain_list in children_named(root, "DomainList"):
        for domain in children_named(domain_list, "DomainName"):
            name = f"{DOMAIN_CERTIFICATE.name}/{text_of(domain).lower()}"
            await ctx.store.put_bucket_config(ctx.req.bucket, name, doc)
    return empty_response()


def _certificate_key(ctx: Ctx) -> str:
    return document_key(ctx, DOMAIN_CERTIFICATE).lower()


async def get_domain_certificate(ctx: Ctx) -> Response:
    doc = await ctx.store.get_bucket_config(ctx.req.bucket, _certificate_key(ctx))
    if doc is None:
        raise missing(DOMAIN_CERTIFICATE, ctx)
    return xml_response(doc.encode())


async def delete_domain_certificate(ctx: Ctx) -> Response:
    await ctx.store.delete_bucket_config(ctx.req.bucket, _certificate_key(ctx))
    return empty_response(204)
