"""authorize(): CAM-style action patterns on KeyPair.actions."""

from __future__ import annotations

import pytest

from cos_ocr_emulator.auth.keys import authorize
from cos_ocr_emulator.auth.verify import Principal
from cos_ocr_emulator.config import KeyPair
from cos_ocr_emulator.errors import CosError


def principal(*actions: str) -> Principal:
    return Principal("AKIDLIMITED", KeyPair("AKIDLIMITED", "secret", actions=actions))


@pytest.mark.parametrize(
    ("actions", "action"),
    [
        (("*",), "cos:GetObject"),
        (("*",), "ci:CreateOCRJob"),
        (("name/cos:*",), "cos:PutObject"),
        (("name/cos:GetObject",), "cos:GetObject"),
        (("cos:GetObject",), "cos:GetObject"),
        (("name/ci:CreateOCRJob",), "ci:CreateOCRJob"),
        (("name/ci:*",), "ci:CreateOCRJob"),
        (("cos:Get*",), "cos:GetObject"),
        (("name/cos:getobject",), "cos:GetObject"),  # CAM action names are case-insensitive
        (("cos:PutObject", " name/cos:HeadObject "), "cos:HeadObject"),
    ],
)
def test_allowed(actions: tuple[str, ...], action: str) -> None:
    authorize(principal(*actions), action, "examplebucket-1250000000")


@pytest.mark.parametrize(
    ("actions", "action"),
    [
        (("name/cos:*",), "ci:CreateOCRJob"),
        (("name/ci:*",), "cos:GetObject"),
        (("name/cos:GetObject",), "cos:GetObjectACL"),
        (("cos:Get*",), "cos:PutObject"),
        (("name/cos:GetObject", "name/cos:HeadObject"), "cos:DeleteObject"),
        ((), "cos:GetObject"),
        (("",), "cos:GetObject"),
        (("name/",), "cos:GetObject"),
        (("other/cos:*",), "cos:GetObject"),  # only the literal "name/" prefix is stripped
    ],
)
def test_denied(actions: tuple[str, ...], action: str) -> None:
    with pytest.raises(CosError) as info:
        authorize(principal(*actions), action, None)
    assert (info.value.code, info.value.status) == ("AccessDenied", 403)
    assert info.value.message == f"SecretId AKIDLIMITED is not allowed to perform {action}"


def test_keyless_principals_pass() -> None:
    authorize(Principal(None, None), "cos:PutObject", "examplebucket-1250000000")
