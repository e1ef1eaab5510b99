"""The COS side of the emulator, as one function per stage and no router.

In order, mirroring COS: parse (addressing + query) → `dispatch.match` → authenticate → authorize →
faults → handler. Dispatch runs before authentication but its verdict is only acted on after it: an
unsigned or badly signed request is refused before the emulator says anything about the resource
(so a 403 never leaks whether an operation or key exists). Errors are raised as `CosError`; the edge
renders them.
"""

from __future__ import annotations

import dataclasses
import time
from urllib.parse import quote

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from cos_ocr_emulator.addressing import Target, resolve
from cos_ocr_emulator.admin.inject import inject
from cos_ocr_emulator.asgi import headers
from cos_ocr_emulator.auth.keys import authorize
from cos_ocr_emulator.auth.verify import ANONYMOUS, AuthOutcome, Principal, SignedRequest, authenticate
from cos_ocr_emulator.cos.access import anonymous_read_allowed
from cos_ocr_emulator.cos.context import Ctx
from cos_ocr_emulator.cos.cors import cors_headers
from cos_ocr_emulator.dispatch import Rule, match, query_names
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.limits import MAX_KEYS
from cos_ocr_emulator.record import RequestRecord
from cos_ocr_emulator.request import CosRequest, parse_query
from cos_ocr_emulator.state import EmulatorState
from cos_ocr_emulator.storage.models import BucketInfo

# GET Service query names that GET Bucket (list objects) never sends, and the ones only GET Bucket sends.
_SERVICE_ONLY_PARAMS = frozenset({"tagkey", "tagvalue", "region", "create-time", "range"})
_LIST_OBJECTS_PARAMS = frozenset({"prefix", "delimiter", "encoding-type"})


def _resolve(host: str, raw_path: bytes, state: EmulatorState) -> Target:
    settings = state.settings
    return resolve(
        host, raw_path, default_bucket=settings.default_bucket, appid=settings.appid, bucket_exists=state.bucket_exists
    )


def parse_request(scope: Scope, state: EmulatorState) -> CosRequest:
    sent = headers(scope)
    host = sent.get("host", "")
    target = _resolve(host, scope.get("raw_path") or scope["path"].encode(), state)
    query = parse_query(scope.get("query_string", b""))
    target = _service_by_query(scope["method"], target, query)
    return CosRequest(method=scope["method"], target=target, host=host, query=query, headers=sent)


def _service_by_query(method: str, target: Target, query: tuple[tuple[str, str], ...]) -> Target:
    """`GET /` on a bare host (IP, localhost) is GET Bucket on the default bucket, except when its query
    can only be GET Service: Python's `list_buckets` with `ServiceDomain='127.0.0.1:PORT'` sends
    `marker=&max-keys=2000` (GET Bucket caps max-keys at 1000, and always sends `prefix` from Python)."""
    if method != "GET" or target.style != "default" or target.kind != "bucket":
        return target
    names = {name.lower() for name, _ in query}
    if names & _LIST_OBJECTS_PARAMS:
        return target
    max_keys = next((value for name, value in query if name.lower() == "max-keys"), "")
    if names & _SERVICE_ONLY_PARAMS or (max_keys.isdigit() and int(max_keys) > MAX_KEYS):
        return Target("service", None, "", "service", target.region, ("/",))
    return target


class CosApp:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send, record: RequestRecord) -> None:
        req = parse_request(scope, self.state)
        ci_process = req.param("ci-process")
        record.bucket, record.key, record.ci_process = req.target.bucket, req.key or None, ci_process
        rule = match(req.method, req.target.kind, query_names(req.params), req.headers.keys(), ci_process)
        if not isinstance(rule, CosError):
            record.operation = rule.operation
        # A request with an Origin that a CORS rule allows gets the Access-Control-* headers on every
        # answer, a refusal by auth included: a browser can only read an answer it is allowed to see. The
        # rules are those of the bucket served, which a presigned URL may have moved off the default one.
        cors = bool(req.header("origin")) and (isinstance(rule, CosError) or not rule.unsigned)
        served = req
        try:
            served, principal = self._admit(req, rule, record)
            response = await self._serve(served, rule, principal, receive, record)
        except CosError as exc:
            if cors:
                exc.headers.update(cors_headers(self.state.store, served))
            raise
        if cors:
            response.headers.update(cors_headers(self.state.store, served))
        await response(scope, receive, send)

    def _admit(self, req: CosRequest, rule: Rule | CosError, record: RequestRecord) -> tuple[CosRequest, Principal]:
        """Authenticate. The request returned names the bucket to serve: a presigned URL fetched from a bare
        host may have been signed for another bucket's host (`_signed_for_another_bucket`)."""
        record.auth = "refused"
        if not isinstance(rule, CosError) and rule.unsigned:
            # A browser sends its preflight to the URL it will use, presigned query and all, but never
            # signs the OPTIONS itself: the CORS rules alone decide.
            req, outcome = self._preflight_bucket(req, rule), AuthOutcome(ANONYMOUS, "anonymous")
        else:
            req, outcome = self._authenticated(req, rule)
        record.bucket = req.target.bucket
        record.auth, record.secret_id = outcome.verdict, outcome.principal.secret_id
        return req, outcome.principal

    async def _serve(
        self, req: CosRequest, rule: Rule | CosError, principal: Principal, receive: Receive, record: RequestRecord
    ) -> Response:
        state = self.state
        if isinstance(rule, CosError):
            raise rule
        authorize(principal, rule.action, req.target.bucket)
        _check_region(req.target, state.bucket_info(req.target.bucket), rule)
        ctx = Ctx(req=req, record=record, receive=receive, store=state.astore, settings=state.settings, state=state)
        fault = state.fault_for(
            req.target.bucket, req.key, rule.operation, retry=req.header("x-cos-sdk-retry") == "true"
        )
        if fault is None:
            return await rule.handler(ctx)
        return await inject(fault, record, lambda: rule.handler(ctx))

    def _authenticate(
        self, req: CosRequest, rule: Rule | CosError, host: str | None = None, *, strict: bool = False
    ) -> AuthOutcome:
        settings = self.state.settings
        if strict and settings.auth_mode == "warn":  # only a real match counts; `off` stays off
            settings = dataclasses.replace(settings, auth_mode="strict")
        return authenticate(
            SignedRequest(
                method=req.method, paths=req.target.sign_paths, query=req.query, headers=req.headers,
                host=host or req.host,
            ),
            settings,
            time.time(),  # signatures are checked against the real clock, even in deterministic mode
            public_read=lambda: _anonymous_may(self.state, req, rule),
            read_only=not isinstance(rule, CosError) and rule.read_only,
        )  # fmt: skip

    def _authenticated(self, req: CosRequest, rule: Rule | CosError) -> tuple[CosRequest, AuthOutcome]:
        """`_verified`; in warn mode a signature that verifies nowhere is then accepted (and logged) on the
        bucket addressing found, so a URL signed for another bucket is never mistaken for a mismatch."""
        try:
            return self._verified(req, rule)
        except CosError as exc:
            if exc.code != "SignatureDoesNotMatch" or self.state.settings.auth_mode != "warn":
                raise
        return req, self._authenticate(req, rule)

    def _verified(self, req: CosRequest, rule: Rule | CosError) -> tuple[CosRequest, AuthOutcome]:
        """The request's own signature, else the bucket whose host it was signed for; the request returned
        names the bucket to serve. Raises the request's own error when neither verifies."""
        try:
            return req, self._authenticate(req, rule, strict=True)
        except CosError as exc:
            found = self._signed_for_another_bucket(req, rule) if exc.code == "SignatureDoesNotMatch" else None
            if found is None:
                raise
            return found

    def _preflight_bucket(self, req: CosRequest, rule: Rule) -> CosRequest:
        """The bucket a bare-host preflight is for: the one whose host the presigned query in it was signed
        for, checked with the method the browser asks for (the OPTIONS itself is never signed). Anything that
        does not verify leaves the request where addressing put it; the CORS rules then decide."""
        method = req.header("access-control-request-method")
        if req.target.style != "default" or not method:
            return req
        try:
            moved, _outcome = self._verified(dataclasses.replace(req, method=method.strip().upper()), rule)
        except CosError:
            return req
        return dataclasses.replace(req, target=moved.target)

    def _signed_for_another_bucket(
        self, req: CosRequest, rule: Rule | CosError
    ) -> tuple[CosRequest, AuthOutcome] | None:
        """A URL presigned with `Headers={'Host': '<bucket host>'}` and fetched from 127.0.0.1 arrives with a
        bare Host that was not the one signed. If the signature verifies against an existing bucket's host,
        the request meant that bucket (README: presigned URLs for other buckets)."""
        if req.target.style != "default":
            return None
        for info in self.state.store.list_buckets():
            for host in _bucket_hosts(info):
                target = _resolve(host, quote("/" + req.target.key, safe="/").encode("ascii"), self.state)
                moved = dataclasses.replace(req, target=target)
                try:
                    return moved, self._authenticate(moved, rule, host, strict=True)
                except CosError:
                    continue
        return None


def _bucket_hosts(info: BucketInfo) -> tuple[str, ...]:
    return (f"{info.name}.cos.{info.region}.myqcloud.com", f"{info.name}.cos.{info.region}.tencentcos.cn")


def _check_region(target: Target, bucket: BucketInfo | None, rule: Rule) -> None:
    """A bucket lives in one region; asked for on another region's host it does not exist there (COS
    answers 404 NoSuchBucket; docs/deviations.md)."""
    if bucket is None or target.region is None or target.region == bucket.region or rule.operation == "PutBucket":
        return
    raise CosError(
        "NoSuchBucket",
        f"The specified bucket does not exist in {target.region} (this emulator has it in {bucket.region}).",
        resource=bucket.name,
    )


def _anonymous_may(state: EmulatorState, req: CosRequest, rule: Rule | CosError) -> bool:
    """Asked only for an unsigned read: the ACLs and policy are looked up then, not on every request."""
    if isinstance(rule, CosError):
        return False
    return anonymous_read_allowed(
        state.store, state.settings, rule.action, rule.operation, req.target.bucket, req.key, req.version_id
    )
