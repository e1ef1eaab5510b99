"""Every public method of the installed Python SDK's `CosS3Client` is accounted for.

A method is either covered (the registry names a test that exists and calls it) or out of scope with a
reason. The walk is by introspection, so an SDK upgrade that adds a method fails here until someone
decides about it. The counts this file computes are the ones SUPPORTED.md and the README quote; the last
test keeps those documents in step.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from qcloud_cos import CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from cos_ocr_emulator import sdk_scope
from cos_ocr_emulator.sdk_scope import CI_PREFIX, NOT_WORKING, OUT_OF_SCOPE
from cos_ocr_emulator.testing import RunningEmulator

ROOT = Path(__file__).resolve().parents[2]

# The two Cloud Infinite methods that reach the emulator's OCR.
CI_COVERED = {
    "ci_ocr_process": "tests/contract/test_ocr_sdk.py::test_ci_ocr_process_png_every_type",
    "ci_process": "tests/contract/test_ocr_sdk.py::test_detect_url_on_this_emulator_parses_as_a_dict",
}

_PY = "tests/contract/test_python_sdk.py"
_CFG = "tests/contract/test_bucket_configs.py"
_OBJ = "tests/contract/test_object_features.py"

# method -> the test that calls it with the real SDK against a running emulator.
COVERED: dict[str, str] = {
    # Objects
    "put_object": f"{_OBJ}::test_symlink_round_trip_and_follow",
    "get_object": f"{_PY}::test_put_get_head_delete",
    "head_object": f"{_PY}::test_put_get_head_delete",
    "delete_object": f"{_PY}::test_put_get_head_delete",
    "delete_objects": f"{_PY}::test_delete_objects_multi",
    "copy_object": f"{_PY}::test_copy_same_bucket",
    "object_exists": "tests/contract/test_coscmd.py::test_upload_list_info_download_delete",
    "get_presigned_url": f"{_OBJ}::test_presigned_helpers",
    "get_presigned_download_url": f"{_OBJ}::test_presigned_helpers",
    "get_object_url": f"{_OBJ}::test_presigned_helpers",
    "get_auth": f"{_OBJ}::test_presigned_helpers",
    "put_object_from_local_file": f"{_OBJ}::test_high_level_helpers",
    "upload_file_from_buffer": f"{_OBJ}::test_high_level_helpers",
    "copy": f"{_OBJ}::test_high_level_helpers",
    "change_object_storage_class": f"{_OBJ}::test_high_level_helpers",
    "update_object_meta": f"{_OBJ}::test_high_level_helpers",
    "append_object": f"{_OBJ}::test_append_object_positions",
    "restore_object": f"{_OBJ}::test_archive_needs_restore",
    "put_symlink": f"{_OBJ}::test_symlink_round_trip_and_follow",
    "get_symlink": f"{_OBJ}::test_symlink_round_trip_and_follow",
    # Multipart and the high-level transfer helpers
    "create_multipart_upload": f"{_PY}::test_abort_multipart_upload",
    "upload_part": "tests/contract/test_bad_input.py::test_complete_with_missing_part",
    "upload_part_copy": f"{_PY}::test_upload_part_copy",
    "complete_multipart_upload": f"{_PY}::test_upload_part_copy",
    "abort_multipart_upload": f"{_PY}::test_abort_multipart_upload",
    "list_parts": f"{_PY}::test_upload_file_resumes_an_existing_upload",
    "list_multipart_uploads": f"{_PY}::test_upload_file_resumes_an_existing_upload",
    "upload_file": f"{_PY}::test_upload_file_multipart_and_download_file_crc",
    "download_file": f"{_PY}::test_upload_file_multipart_and_download_file_crc",
    # Buckets
    "create_bucket": f"{_PY}::test_bucket_lifecycle",
    "delete_bucket": f"{_PY}::test_bucket_lifecycle",
    "head_bucket": f"{_PY}::test_bucket_lifecycle",
    "bucket_exists": f"{_PY}::test_bucket_lifecycle",
    "list_objects": f"{_PY}::test_list_prefix_delimiter_marker",
    "list_buckets": f"{_PY}::test_list_buckets_with_service_domain",
    "get_bucket_location": f"{_PY}::test_get_bucket_location",
    "get_bucket_meta": f"{_CFG}::test_get_bucket_meta_reads_the_configs",
    # ACL and CORS (with their effects: anonymous reads, preflight)
    "put_bucket_acl": "tests/contract/test_acl.py::test_bucket_acl_defaults_to_private_and_round_trips",
    "get_bucket_acl": "tests/contract/test_acl.py::test_bucket_acl_defaults_to_private_and_round_trips",
    "put_object_acl": "tests/contract/test_acl.py::test_object_acl_overrides_the_bucket",
    "get_object_acl": "tests/contract/test_acl.py::test_object_acl_overrides_the_bucket",
    "put_bucket_cors": "tests/contract/test_cors.py::test_round_trip_and_delete",
    "get_bucket_cors": "tests/contract/test_cors.py::test_round_trip_and_delete",
    "delete_bucket_cors": "tests/contract/test_cors.py::test_round_trip_and_delete",
    # Tagging, versioning, policy
    "put_object_tagging": "tests/contract/test_tagging.py::test_object_tagging_round_trip",
    "get_object_tagging": "tests/contract/test_tagging.py::test_object_tagging_round_trip",
    "delete_object_tagging": "tests/contract/test_tagging.py::test_object_tagging_round_trip",
    "put_bucket_tagging": "tests/contract/test_tagging.py::test_bucket_tagging_round_trip_and_limits",
    "get_bucket_tagging": "tests/contract/test_tagging.py::test_bucket_tagging_round_trip_and_limits",
    "delete_bucket_tagging": "tests/contract/test_tagging.py::test_bucket_tagging_round_trip_and_limits",
    "put_bucket_versioning": "tests/contract/test_versioning.py::test_state_round_trip",
    "get_bucket_versioning": "tests/contract/test_versioning.py::test_state_round_trip",
    "list_objects_versions": "tests/contract/test_versioning.py::test_unversioned_bucket_lists_null_versions",
    "put_bucket_policy": "tests/contract/test_policy.py::test_round_trip_and_delete",
    "get_bucket_policy": "tests/contract/test_policy.py::test_round_trip_and_delete",
    "delete_bucket_policy": "tests/contract/test_policy.py::test_round_trip_and_delete",
    # Bucket configurations (this file's siblings)
    "put_bucket_referer": f"{_CFG}::test_referer_round_trip",
    "get_bucket_referer": f"{_CFG}::test_referer_round_trip",
    "delete_bucket_referer": f"{_CFG}::test_referer_round_trip",
    "put_bucket_encryption": f"{_CFG}::test_encryption_round_trip_and_sse_header",
    "get_bucket_encryption": f"{_CFG}::test_encryption_round_trip_and_sse_header",
    "delete_bucket_encryption": f"{_CFG}::test_encryption_round_trip_and_sse_header",
    "put_bucket_lifecycle": f"{_CFG}::test_lifecycle_round_trip",
    "get_bucket_lifecycle": f"{_CFG}::test_lifecycle_round_trip",
    "delete_bucket_lifecycle": f"{_CFG}::test_lifecycle_round_trip",
    "put_bucket_website": f"{_CFG}::test_website_round_trip",
    "get_bucket_website": f"{_CFG}::test_website_round_trip",
    "delete_bucket_website": f"{_CFG}::test_website_round_trip",
    "put_bucket_logging": f"{_CFG}::test_logging_round_trip",
    "get_bucket_logging": f"{_CFG}::test_logging_round_trip",
    "put_bucket_inventory": f"{_CFG}::test_inventory_round_trip_and_list",
    "get_bucket_inventory": f"{_CFG}::test_inventory_round_trip_and_list",
    "delete_bucket_inventory": f"{_CFG}::test_inventory_round_trip_and_list",
    "list_bucket_inventory_configurations": f"{_CFG}::test_inventory_round_trip_and_list",
    "post_bucket_inventory": f"{_CFG}::test_post_bucket_inventory",
    "put_bucket_domain": f"{_CFG}::test_domain_round_trip",
    "get_bucket_domain": f"{_CFG}::test_domain_round_trip",
    "delete_bucket_domain": f"{_CFG}::test_domain_round_trip",
    "put_bucket_domain_certificate": f"{_CFG}::test_domain_certificate_round_trip",
    "get_bucket_domain_certificate": f"{_CFG}::test_domain_certificate_round_trip",
    "delete_bucket_domain_certificate": f"{_CFG}::test_domain_certificate_round_trip",
    "put_bucket_replication": f"{_CFG}::test_replication_round_trip",
    "get_bucket_replication": f"{_CFG}::test_replication_round_trip",
    "delete_bucket_replication": f"{_CFG}::test_replication_round_trip",
    "put_bucket_intelligenttiering": f"{_CFG}::test_intelligent_tiering_v1",
    "get_bucket_intelligenttiering": f"{_CFG}::test_intelligent_tiering_v1",
    "put_bucket_intelligenttiering_v2": f"{_CFG}::test_intelligent_tiering_v2_and_list",
    "get_bucket_intelligenttiering_v2": f"{_CFG}::test_intelligent_tiering_v2_and_list",
    "list_bucket_intelligenttiering_configurations": f"{_CFG}::test_intelligent_tiering_v2_and_list",
    "put_bucket_object_lock": f"{_CFG}::test_object_lock_round_trip",
    "get_bucket_object_lock": f"{_CFG}::test_object_lock_round_trip",
    "put_bucket_origin": f"{_CFG}::test_origin_round_trip",
    "get_bucket_origin": f"{_CFG}::test_origin_round_trip",
    "delete_bucket_origin": f"{_CFG}::test_origin_round_trip",
    "put_bucket_response_control": f"{_CFG}::test_response_control_round_trip",
    "get_bucket_response_control": f"{_CFG}::test_response_control_round_trip",
    "delete_bucket_response_control": f"{_CFG}::test_response_control_round_trip",
}

TARGET = 0.95


def sdk_methods() -> list[str]:
    return sorted(n for n, _ in inspect.getmembers(CosS3Client, inspect.isfunction) if not n.startswith("_"))


def classify() -> tuple[list[str], list[str], dict[str, str]]:
    """(plain-COS in-scope methods, working ones, out of scope -> reason) over the plain-COS methods."""
    plain = [m for m in sdk_methods() if not m.startswith(CI_PREFIX)]
    in_scope = [m for m in plain if m not in OUT_OF_SCOPE]
    working = [m for m in in_scope if m in COVERED and m not in NOT_WORKING]
    return in_scope, working, {m: OUT_OF_SCOPE[m] for m in plain if m in OUT_OF_SCOPE}


@cache
def _test_functions(path: str) -> dict[str, ast.FunctionDef]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def _calls(fn: ast.FunctionDef) -> set[str]:
    return {n.func.attr for n in ast.walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}


def test_every_sdk_method_is_covered_or_out_of_scope() -> None:
    registry = {**COVERED, **CI_COVERED}
    missing = [m for m in sdk_methods() if m not in registry and m not in OUT_OF_SCOPE and not m.startswith(CI_PREFIX)]
    assert not missing, f"CosS3Client methods neither covered by a test nor out of scope: {missing}"
    both = sorted(set(registry) & set(OUT_OF_SCOPE))
    assert not both, f"listed as covered and out of scope: {both}"
    stale = sorted(set(registry) | set(OUT_OF_SCOPE) | set(NOT_WORKING) - set(sdk_methods()))
    stale = [m for m in stale if m not in sdk_methods()]
    assert not stale, f"the registry names methods the installed SDK does not have: {stale}"


def test_each_registered_test_exists_and_calls_its_method() -> None:
    problems: list[str] = []
    for method, test_id in sorted({**COVERED, **CI_COVERED}.items()):
        path, _, name = test_id.partition("::")
        if not (ROOT / path).is_file():
            problems.append(f"{method}: {path} does not exist")
            continue
        fn = _test_functions(path).get(name)
        if fn is None:
            problems.append(f"{method}: no {name} in {path}")
        elif method not in _calls(fn):
            problems.append(f"{method}: {test_id} never calls .{method}(")
    assert not problems, "\n".join(problems)


def test_working_ratio_meets_the_target() -> None:
    in_scope, working, _ = classify()
    assert len(working) / len(in_scope) >= TARGET, (len(working), len(in_scope), sorted(set(in_scope) - set(working)))


def test_counts_in_the_docs_are_current() -> None:
    in_scope, working, _ = classify()
    assert (len(in_scope), len(working)) == (sdk_scope.IN_SCOPE, sdk_scope.WORKING), (
        "update IN_SCOPE / WORKING in cos_ocr_emulator/sdk_scope.py, then regenerate SUPPORTED.md"
    )
    assert sdk_scope.coverage_sentence() in (ROOT / "README.md").read_text(encoding="utf-8")
    supported = (ROOT / "SUPPORTED.md").read_text(encoding="utf-8")
    assert "\n".join(sdk_scope.coverage_markdown()) in supported, "python -m cos_ocr_emulator.dispatch > SUPPORTED.md"


# Out-of-scope methods that send a request to the bucket: each is 501 NotImplemented at once (the SDK
# does not retry a 501 with retry=0), never served as some other operation.
NOT_IMPLEMENTED_CALLS: dict[str, Callable[[CosS3Client, str], object]] = {
    "select_object_content": lambda c, b: c.select_object_content(
        Bucket=b, Key="k", Expression="select * from cosobject", ExpressionType="SQL",
        InputSerialization={"CSV": {}}, OutputSerialization={"CSV": {}},
    ),
    "get_object_sensitive_content_recognition": lambda c, b: c.get_object_sensitive_content_recognition(Bucket=b, Key="k"),
    "put_live_channel": lambda c, b: c.put_live_channel(
        Bucket=b, ChannelName="ch", LiveChannelConfiguration={"Switch": "Enabled", "Target": {"Type": "HLS"}}
    ),
    "get_live_channel_info": lambda c, b: c.get_live_channel_info(Bucket=b, ChannelName="ch"),
    "get_live_channel_history": lambda c, b: c.get_live_channel_history(Bucket=b, ChannelName="ch"),
    "get_live_channel_status": lambda c, b: c.get_live_channel_status(Bucket=b, ChannelName="ch"),
    "delete_live_channel": lambda c, b: c.delete_live_channel(Bucket=b, ChannelName="ch"),
    "put_live_channel_switch": lambda c, b: c.put_live_channel_switch(Bucket=b, ChannelName="ch", Switch="enabled"),
    "get_vod_playlist": lambda c, b: c.get_vod_playlist(Bucket=b, ChannelName="ch", StartTime=1, EndTime=2),
    "post_vod_playlist": lambda c, b: c.post_vod_playlist(
        Bucket=b, ChannelName="ch", PlaylistName="p.m3u8", StartTime=1, EndTime=2
    ),
    "list_live_channel": lambda c, b: c.list_live_channel(Bucket=b),
    "get_media_info": lambda c, b: c.get_media_info(Bucket=b, Key="k"),
    "get_snapshot": lambda c, b: c.get_snapshot(Bucket=b, Key="k", Time=1),
    "get_pm3u8": lambda c, b: c.get_pm3u8(Bucket=b, Key="k", Expires=60),
    "file_hash": lambda c, b: c.file_hash(Bucket=b, Key="k", Type="md5"),
}  # fmt: skip


def test_out_of_scope_list_matches_the_501_calls() -> None:
    no_request = {m for m, why in OUT_OF_SCOPE.items() if "sends no request" in why or "migration" in why}
    assert set(NOT_IMPLEMENTED_CALLS) == set(OUT_OF_SCOPE) - no_request


@pytest.mark.parametrize("method", sorted(NOT_IMPLEMENTED_CALLS))
def test_out_of_scope_methods_answer_501(client: CosS3Client, emu: RunningEmulator, method: str) -> None:
    client.put_object(Bucket=emu.bucket, Key="k", Body=b"untouched")
    with pytest.raises(CosServiceError) as info:
        NOT_IMPLEMENTED_CALLS[method](client, emu.bucket)
    assert (info.value.get_status_code(), info.value.get_error_code()) == (501, "NotImplemented")
    assert client.get_object(Bucket=emu.bucket, Key="k")["Body"].get_raw_stream().read() == b"untouched"
