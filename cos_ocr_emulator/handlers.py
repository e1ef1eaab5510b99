"""The COS entry point: resolve the target, authenticate, pick the operation, call its handler.

Order matters and mirrors COS: an unsigned or badly signed request is refused before the emulator
says anything about the resource (so a 403 never leaks whether a key exists).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from cos_ocr_emulator.addressing import Target, resolve
from cos_ocr_emulator.admin.inject import inject
from cos_ocr_emulator.auth.keys import authorize
from cos_ocr_emulator.auth.verify import ANONYMOUS, AuthOutcome, SignedRequest, authenticate
from cos_ocr_emulator.cos import acl, bucket, cors, multipart, object, policy, tagging, versioning
from cos_ocr_emulator.cos.access import anonymous_read_allowed
from cos_ocr_emulator.cos.context import Ctx
from cos_ocr_emulator.dispatch import READ_ONLY, UNSIGNED, action_for, operation_for
from cos_ocr_emulator.errors import CosError
from cos_ocr_emulator.request import CosRequest, parse_query
from cos_ocr_emulator.state import EmulatorState

Handler = Callable[[Ctx], Awaitable[Response]]

HANDLERS: dict[str, Handler] = {
    "ListBuckets": bucket.list_buckets,
    "PutBucket": bucket.put_bucket,
    "HeadBucket": bucket.head_bucket,
    "DeleteBucket": bucket.delete_bucket,
    "ListObjects": bucket.list_objects,
    "GetBucketLocation": bucket.get_bucket_location,
    "DeleteMultipleObjects": bucket.delete_multiple_objects,
    "PutObject": object.put_object,
    "GetObject": object.get_object,
    "HeadObject": object.head_object,
    "DeleteObject": object.delete_object,
    "PutObjectCopy": object.put_object_copy,
    "InitiateMultipartUpload": multipart.initiate_multipart_upload,
    "UploadPart": multipart.upload_part,
    "UploadPartCopy": multipart.upload_part_copy,
    "ListParts": multipart.list_parts,
    "CompleteMultipartUpload": multipart.complete_multipart_upload,
    "AbortMultipartUpload": multipart.abort_multipart_upload,
    "ListMultipartUploads": multipart.list_multipart_uploads,
    "GetBucketACL": acl.get_bucket_acl,
    "PutBucketACL": acl.put_bucket_acl,
    "GetObjectACL": acl.get_object_acl,
    "PutObjectACL": acl.put_object_acl,
    "GetBucketCORS": cors.get_bucket_cors,
    "PutBucketCORS": cors.put_bucket_cors,
    "DeleteBucketCORS": cors.delete_bucket_cors,
    "OptionsObject": cors.options_object,
    "GetBucketTagging": tagging.get_bucket_tagging,
    "PutBucketTagging": tagging.put_bucket_tagging,
    "DeleteBucketTagging": tagging.delete_bucket_tagging,
    "GetObjectTagging": tagging.get_object_tagging,
    "PutObjectTagging": tagging.put_object_tagging,
    "DeleteObjectTagging": tagging.delete_object_tagging,
    "GetBucketVersioning": versioning.get_bucket_versioning,
    "PutBucketVersioning": versioning.put_bucket_versioning,
    "ListObjectVersions": versioning.list_object_versions,
    "GetBucketPolicy": policy.get_bucket_policy,
    "PutBucketPolicy": policy.put_bucket_policy,
    "DeleteBucketPolicy": policy.delete_bucket_policy,
    "OCR": lambda ctx: _ocr(ctx),
}


async def _ocr(ctx: Ctx) -> Response:
    # Imported on first use: a COS-only emulator never loads the imaging stack.
    from cos_ocr_emulator.ci.ocr import ocr

    return await ocr(ctx)


def parse_request(http: Request, state: EmulatorState) -> CosRequest:
    headers = {k.lower(): v for k, v in http.headers.items()}
    host = headers.get("host", "")
    target = resolve(
        host,
        http.scope.get("raw_path") or http.scope["path"].encode(),
        default_bucket=state.settings.default_bucket,
        appid=state.settings.appid,
        bucket_exists=state.bucket_exists,
    )
    query = parse_query(http.scope.get("query_string", b""))
    target = _service_by_query(http.method, target, query)
    return CosRequest(method=http.method, target=target, host=host, query=query, headers=headers)


# GET Service query names that GET Bucket (list objects) never sends, and the ones only GET Bucket sends.
_SERVICE_ONLY_PARAMS = frozenset({"tagkey", "tagvalue", "region", "create-time", "range"})
_LIST_OBJECTS_PARAMS = frozenset({"prefix", "delimiter", "encoding-type"})
_MAX_LIST_KEYS = 1000


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
    if names & _SERVICE_ONLY_PARAMS or (max_keys.isdigit() and int(max_keys) > _MAX_LIST_KEYS):
        return Target("service", None, "", "service", target.region, ("/",))
    return target


async def cos_entry(http: Request) -> Response:
    state: EmulatorState = http.app.state.emulator
    info = http.scope.setdefault("state", {})
    req = parse_request(http, state)
    ci_process = req.param("ci-process")
    info.update(bucket=req.target.bucket, key=req.key or None, ci_process=ci_process)
    operation: str | None = None
    dispatch_error: CosError | None = None
    try:
        operation = operation_for(req.method, req.target.kind, set(req.params), set(req.headers), ci_process)
    except CosError as exc:
        dispatch_error = exc
    info.update(operation=operation, auth="refused")
    if operation in UNSIGNED:
        # A browser sends the preflight to the URL it will use, presigned query and all, but never signs
        # the OPTIONS itself: the CORS rules alone decide.
        outcome = AuthOutcome(ANONYMOUS, "anonymous")
    else:
        outcome = authenticate(
            SignedRequest(
                method=req.method, paths=req.target.sign_paths, query=req.query, headers=req.headers, host=req.host
            ),
            state.settings,
            # Signatures are checked against the real clock even in deterministic mode.
            time.time(),
            public_read=lambda: _anonymous_may(state, req, operation),
            read_only=operation in READ_ONLY,
        )
    info.update(auth=outcome.verdict, secret_id=outcome.principal.secret_id)
    if dispatch_error is not None:
        raise dispatch_error
    assert operation is not None
    authorize(outcome.principal, action_for(operation), req.target.bucket)
    ctx = Ctx(
        req=req, http=http, store=state.store, settings=state.settings, request_id=info["request_id"], state=state
    )
    rule = state.fault_for(req.target.bucket, req.key, operation, retry=req.header("x-cos-sdk-retry") == "true")
    if rule is not None:
        return await inject(rule, http.scope, lambda: _with_cors(ctx, operation))
    return await _with_cors(ctx, operation)


def _anonymous_may(state: EmulatorState, req: CosRequest, operation: str | None) -> bool:
    """Asked only for an unsigned request: ACLs and policy are looked up then, not for every call."""
    if operation is None:
        return False
    action = action_for(operation)
    return anonymous_read_allowed(
        state.store, state.settings, action, operation, req.target.bucket, req.key, req.param("versionid")
    )


async def _with_cors(ctx: Ctx, operation: str) -> Response:
    """Run the handler; a request with an Origin that a CORS rule allows gets the Access-Control-* headers,
    on errors too (a browser can only read an error it is allowed to see)."""
    if operation in UNSIGNED or not ctx.req.header("origin"):
        return await HANDLERS[operation](ctx)
    try:
        response = await HANDLERS[operation](ctx)
    except CosError as exc:
        exc.headers.update(cors.cors_headers(ctx.store, ctx.req))
        raise
    response.headers.update(cors.cors_headers(ctx.store, ctx.req))
    return response
