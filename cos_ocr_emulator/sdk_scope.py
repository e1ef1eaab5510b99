"""Which methods of the official Python SDK (`CosS3Client`) the emulator does not serve, and why.

This is documentation data: SUPPORTED.md is generated from it (with the dispatch table), and the SDK
coverage test (`tests/contract/test_sdk_coverage.py`) walks the installed SDK by introspection and fails
unless every public method is either covered by a named test or listed here, and unless the counts
below are the ones it computes.
"""

from __future__ import annotations

# Cloud Infinite (ci_*) methods belong to another product's API; of them only OCR is served.
CI_PREFIX = "ci_"
CI_REASON = "Cloud Infinite processing other than OCR (`ci_ocr_process`, `ci_process` with OCR): 501"

_LIVE = "live channels / RTMP push streaming: 501 NotImplemented"
_FETCH = (
    "async fetch is a separate migration service (`<region>.migration.myqcloud.com`, JSON): not emulated; "
    "with `Domain=` the SDK reaches the emulator and cannot parse its XML error"
)
_CLIENT_SIDE = "client-side helper that sends no request of its own (every other call exercises it)"

# Plain (non-ci_) SDK methods outside the emulator's scope, with the reason.
OUT_OF_SCOPE: dict[str, str] = {
    "put_live_channel": _LIVE,
    "get_live_channel_info": _LIVE,
    "put_live_channel_switch": _LIVE,
    "get_live_channel_history": _LIVE,
    "get_live_channel_status": _LIVE,
    "delete_live_channel": _LIVE,
    "get_vod_playlist": _LIVE,
    "post_vod_playlist": _LIVE,
    "list_live_channel": _LIVE,
    "get_rtmp_signed_url": "live channels: builds an RTMP push URL locally and sends no request",
    "select_object_content": "SQL over CSV/JSON objects (COS Select) needs a query engine: 501 NotImplemented",
    "put_async_fetch_task": _FETCH,
    "get_async_fetch_task": _FETCH,
    "get_media_info": "Cloud Infinite ci-process=videoinfo under a plain name: 501 NotImplemented",
    "get_snapshot": "Cloud Infinite ci-process=snapshot under a plain name: 501 NotImplemented",
    "get_pm3u8": "Cloud Infinite ci-process=pm3u8 under a plain name: 501 NotImplemented",
    "file_hash": "Cloud Infinite ci-process=filehash under a plain name: 501 NotImplemented",
    "get_object_sensitive_content_recognition": "Cloud Infinite content moderation: 501 NotImplemented",
    "generate_built_in_connection_pool": _CLIENT_SIDE,
    "handle_built_in_connection_pool_by_pid": _CLIENT_SIDE,
    "get_conf": _CLIENT_SIDE,
    "get_retry_exe_times": _CLIENT_SIDE,
    "inc_retry_exe_times": _CLIENT_SIDE,
    "should_switch_domain": _CLIENT_SIDE,
    "send_request": _CLIENT_SIDE,
}

# In-scope methods that do not work yet: method -> why. Kept empty by fixing them, not by moving them.
NOT_WORKING: dict[str, str] = {}

# What the coverage test computes from the installed SDK; it fails if these drift.
IN_SCOPE = 97
WORKING = 97


def coverage_sentence() -> str:
    return f"{WORKING} of the {IN_SCOPE} in-scope plain-COS methods of `CosS3Client`"


def coverage_markdown() -> list[str]:
    lines = [
        "## Python SDK coverage",
        "",
        f"{coverage_sentence()} work against the emulator, each proven by a contract test with the real SDK",
        "(`tests/contract/test_sdk_coverage.py` names the test for every method). Out of scope:",
        "",
        "| SDK method | Why |",
        "|---|---|",
    ]
    lines += [f"| `{method}` | {reason} |" for method, reason in sorted(OUT_OF_SCOPE.items())]
    lines += [f"| `{CI_PREFIX}*` | {CI_REASON} |"]
    if NOT_WORKING:
        lines += ["", "In scope but not working yet:", ""]
        lines += [f"- `{method}`: {reason}" for method, reason in sorted(NOT_WORKING.items())]
    return [*lines, ""]
