"""The validity period of a PEM X.509 certificate, read from its DER by hand. Pure.

GET Bucket domaincertificate reports when the certificate a user uploaded starts and stops being valid.
Reading two timestamps does not justify a cryptography dependency: the path to them is fixed
(Certificate → TBSCertificate → [version] serial signature issuer validity).
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime

_PEM = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)


class CertificateError(ValueError):
    pass


def _tlv(der: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of contents, end of contents) of the DER element at offset `at`."""
    if at + 2 > len(der):
        raise CertificateError("truncated DER")
    tag, length = der[at], der[at + 1]
    at += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or at + count > len(der):
            raise CertificateError("bad DER length")
        length = int.from_bytes(der[at : at + count], "big")
        at += count
    if at + length > len(der):
        raise CertificateError("truncated DER")
    return tag, at, at + length


def _time(der: bytes, at: int) -> tuple[datetime, int]:
    tag, start, end = _tlv(der, at)
    text = der[start:end].decode("ascii", "replace")
    formats = {0x17: "%y%m%d%H%M%SZ", 0x18: "%Y%m%d%H%M%SZ"}  # UTCTime, GeneralizedTime
    if tag not in formats:
        raise CertificateError("validity is not a time")
    try:
        return datetime.strptime(text, formats[tag]).replace(tzinfo=UTC), end
    except ValueError as exc:
        raise CertificateError(f"bad time {text!r}") from exc


def validity(pem: str) -> tuple[datetime, datetime]:
    """(notBefore, notAfter) of the first certificate in `pem`; CertificateError if it is not one."""
    match = _PEM.search(pem)
    if match is None:
        raise CertificateError("no PEM certificate block")
    try:
        der = base64.b64decode("".join(match.group(1).split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CertificateError("the PEM block is not base64") from exc
    tag, cert, _ = _tlv(der, 0)
    tag_tbs, at, _ = _tlv(der, cert)
    if tag != 0x30 or tag_tbs != 0x30:
        raise CertificateError("not an X.509 certificate")
    if der[at] == 0xA0:  # explicit [0] version
        at = _tlv(der, at)[2]
    for _ in range(3):  # serialNumber, signature algorithm, issuer
        at = _tlv(der, at)[2]
    tag, at, _ = _tlv(der, at)
    if tag != 0x30:
        raise CertificateError("no validity sequence")
    not_before, at = _time(der, at)
    not_after, _ = _time(der, at)
    return not_before, not_after
