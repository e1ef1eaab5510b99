"""COS errors as plain values, and the catalogue of codes the emulator answers with.

Every failure a client can see is a `CosError`: a code spelled exactly as COS spells it, an HTTP
status taken from `CATALOGUE`, and a message. Errors carry no request id and no XML; `app.py` adds
the request id and `cos_ocr_emulator.xml` renders the body, once, for every error.

Statuses follow the COS error-code page (product 436/7730) where it was readable and the S3
convention otherwise; `docs/deviations.md` lists which is which.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# code -> (HTTP status, default message). Messages match real COS wording where it is known
# (including its typos: "encounted"), because SDK users grep logs for them.
CATALOGUE: dict[str, tuple[int, str]] = {
    "AccessDenied": (403, "Access Denied."),
    "AccessForbidden": (403, "CORSResponse: This CORS request is not allowed. No CORS rule matches it."),
    "BadDigest": (400, "The Content-MD5 you specified did not match what we received."),
    "BadRequest": (400, "Bad Request."),
    "BucketAlreadyExists": (409, "The requested bucket name is not available."),
    "BucketAlreadyOwnedByYou": (
        409,
        "Your previous request to create the named bucket succeeded and you already own it.",
    ),
    "BucketNotEmpty": (409, "The bucket you tried to delete is not empty."),
    "EntityTooLarge": (400, "Your proposed upload exceeds the maximum allowed object size."),
    "EntityTooSmall": (400, "Your proposed upload is smaller than the minimum allowed object size."),
    "ExpiredToken": (400, "The provided token has expired."),
    "FeatureNotSupported": (501, "This feature is not supported by the emulator."),
    "IncompleteBody": (400, "You did not provide the number of bytes specified by the Content-Length HTTP header."),
    "InternalError": (500, "We encounted an internal error. Please try again."),
    "InvalidAccessKeyId": (403, "The access key Id you provided does not exist in our records."),
    "InvalidArgument": (400, "Invalid Argument."),
    "InvalidBucketName": (400, "The specified bucket is not valid."),
    "InvalidDigest": (400, "The Content-MD5 you specified is not valid."),
    "InvalidImageSource": (400, "The image source could not be read."),
    "InvalidObjectName": (400, "The specified object name is not valid."),
    "InvalidPart": (400, "One or more of the specified parts could not be found."),
    "InvalidPartOrder": (400, "The list of parts was not in ascending order."),
    "InvalidRange": (416, "The requested range is not satisfiable."),
    "InvalidRequest": (400, "Invalid Request."),
    "InvalidURI": (400, "Couldn't parse the specified URI."),
    "InvalidTag": (400, "The tag you have provided is invalid."),
    "KeyTooLong": (400, "Your key is too long."),
    "MalformedPolicy": (400, "The policy you provided is not valid."),
    "MalformedXML": (400, "The XML you provided was not well-formed or did not validate against our published schema."),
    "MethodNotAllowed": (405, "The specified method is not allowed against this resource."),
    "MissingContentLength": (411, "You must provide the Content-Length HTTP header."),
    "NoSuchBucket": (404, "The specified bucket does not exist."),
    "NoSuchCORSConfiguration": (404, "The CORS configuration does not exist."),
    "NoSuchKey": (404, "The specified key does not exist."),
    "NoSuchPolicy": (404, "The specified bucket policy does not exist."),
    "NoSuchTagSet": (404, "The TagSet does not exist."),
    "NoSuchUpload": (404, "The specified multipart upload does not exist."),
    "NoSuchVersion": (404, "The specified version does not exist."),
    "NotImplemented": (501, "A header you provided implies functionality that is not implemented."),
    "PreconditionFailed": (412, "At least one of the preconditions you specified did not hold."),
    "RequestTimeTooSkewed": (403, "The difference between the request time and the server's time is too large."),
    "ResourceNotFound": (404, "The specified resource does not exist."),
    "ServiceUnavailable": (503, "Please reduce your request rate."),
    "SignatureDoesNotMatch": (403, "The Signature you specified is invalid."),
    "SlowDown": (503, "Please reduce your request rate."),
    # Bucket configurations read before any was put (the SDKs key on these codes; 404 throughout).
    "NoSuchRefererConfiguration": (404, "The referer configuration does not exist."),
    "NoSuchEncryptionConfiguration": (404, "The specified bucket does not have any encryption configurations."),
    "NoSuchLifecycleConfiguration": (404, "The lifecycle configuration does not exist."),
    "NoSuchWebsiteConfiguration": (404, "The specified bucket does not have a website configuration."),
    "NoSuchDomainConfiguration": (404, "The domain configuration does not exist."),
    "NoSuchDomainCertificate": (404, "The certificate of this domain does not exist."),
    "NoSuchOriginConfiguration": (404, "The origin configuration does not exist."),
    "NoSuchResponseControlConfiguration": (404, "The response control configuration does not exist."),
    "NoSuchInventoryConfiguration": (404, "The inventory configuration does not exist."),
    "ReplicationConfigurationnotFoundError": (404, "The replication configuration was not found."),
    "NoSuchIntelligentTieringConfiguration": (404, "The intelligent tiering configuration does not exist."),
    "ObjectLockConfigurationNotFoundError": (404, "Object Lock configuration does not exist for this bucket."),
    "TooManyConfigurations": (400, "The bucket already holds the maximum number of these configurations."),
    "InvalidTargetBucketForLogging": (400, "The target bucket for logging does not exist or is in another region."),
    # Archive classes, append, symlinks.
    "InvalidObjectState": (403, "The operation is not valid for the object's storage class or state."),
    "ObjectNotAppendable": (409, "The object is not appendable."),
    "PositionNotEqualToLength": (409, "The position does not equal the length of the object."),
    # Cloud Infinite processing errors (the CI error-code page, product 460/42111).
    "InvalidContent": (400, "The content of the image or document is invalid."),
    "ResourceDownloadFailed": (400, "Failed to download the resource from detect-url."),
    "ImageTooLarge": (400, "The image exceeds the size or pixel limit."),
    "UnsupportedLanguage": (400, "The language pack for this language-type is not installed."),
    # Emulator-defined (docs/deviations.md): an OCR job stopped at the ocr_timeout setting.
    "ProcessTimeout": (504, "The image processing did not finish in time."),
}


@dataclass
class CosError(Exception):
    """One error a client will see. Raise it anywhere; `app.py` renders it once."""

    code: str
    message: str = ""
    status: int = 0
    resource: str | None = None
    # Extra elements for the <Error> body (e.g. StringToSign, CanonicalRequest on a signature mismatch).
    extra: dict[str, str] = field(default_factory=dict)
    # Extra response headers (e.g. Allow on 405).
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        status, default_message = CATALOGUE.get(self.code, (500, ""))
        if not self.status:
            self.status = status
        if not self.message:
            self.message = default_message or self.code
        super().__init__(f"{self.code}: {self.message}")


def cos_error(code: str, message: str = "", **extra: str) -> CosError:
    """A catalogue error with an optional message and extra body elements."""
    if code not in CATALOGUE:
        raise KeyError(f"unknown COS error code {code!r}; add it to CATALOGUE")
    return CosError(code, message, extra=dict(extra))


# Small constructors for the errors raised from more than one place.
def no_such_bucket(bucket: str) -> CosError:
    return CosError("NoSuchBucket", resource=bucket)


def no_such_key(bucket: str, key: str) -> CosError:
    return CosError("NoSuchKey", resource=f"{bucket}/{key}")


def invalid_argument(message: str) -> CosError:
    return CosError("InvalidArgument", message)


def access_denied(message: str = "") -> CosError:
    return CosError("AccessDenied", message)
