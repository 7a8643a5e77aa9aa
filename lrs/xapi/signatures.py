"""Signed statements (xAPI-Data.md §2.6): a JWS in an attachment whose payload is the
statement as it was before the signature was attached.

The LRS checks the JWS is well formed, uses RS256/384/512, and that its payload
matches the statement; when the JWS carries an ``x5c`` certificate chain, the
signature is verified with the first certificate's key. Without one there is no
key to verify against, and the spec does not require one.
"""

from __future__ import annotations

import base64
import copy

import jwt
from cryptography import x509

from lrs.errors import BadRequest
from lrs.xapi.attachments import SIGNATURE_USAGE
from lrs.xapi.jsontext import parse_json
from lrs.xapi.statements import comparable

ALGORITHMS = ("RS256", "RS384", "RS512")
#: what the LRS sets or may change, so a signer could not have signed it
_LRS_SET = ("id", "authority", "stored", "version")


def signature_attachment(statement: dict) -> dict | None:
    for attachment in statement.get("attachments") or ():
        if attachment.get("usageType") == SIGNATURE_USAGE:
            return attachment
    return None


def _comparable(statement: dict, *, drop_signature: bool) -> dict:
    out = copy.deepcopy(statement)
    if drop_signature:
        out["attachments"] = [a for a in out.get("attachments") or () if a.get("usageType") != SIGNATURE_USAGE]
    if not out.get("attachments"):
        out.pop("attachments", None)
    return comparable(out, ignore=_LRS_SET)


def verify_signed_statement(statement: dict, jws: bytes, *, location: str = "statement") -> None:
    """Raise BadRequest unless ``jws`` is a valid signature of ``statement``."""
    attachment = signature_attachment(statement)
    where = f"{location}.attachments"
    if attachment is not None and attachment.get("contentType", "").split(";")[0].strip() != "application/octet-stream":
        raise BadRequest("a signature attachment must have contentType application/octet-stream", location=where)
    try:
        token = jws.decode("ascii").strip()
        header = jwt.get_unverified_header(token)
    except (UnicodeDecodeError, jwt.exceptions.DecodeError) as error:
        raise BadRequest(f"the signature is not a JWS in compact serialization ({error})", location=where) from None
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS:
        raise BadRequest(f"the signature uses {algorithm!r}; only {', '.join(ALGORITHMS)} are allowed",
                         location=where)
    try:
        if "x5c" in header:
            chain = header["x5c"]
            certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
            payload = jwt.api_jws.decode(token, key=certificate.public_key(), algorithms=[algorithm])
        else:
            payload = jwt.api_jws.decode_complete(token, options={"verify_signature": False})["payload"]
    except (jwt.exceptions.InvalidTokenError, ValueError, TypeError, IndexError, KeyError) as error:
        raise BadRequest(f"the signature does not verify ({error})", location=where) from None
    try:
        signed = parse_json(payload, location=where)
    except BadRequest:
        raise BadRequest("the signature's payload is not a JSON statement", location=where) from None
    if not isinstance(signed, dict):
        raise BadRequest("the signature's payload is not a JSON statement", location=where)
    if "id" in signed and "id" in statement and str(signed["id"]).lower() != str(statement["id"]).lower():
        raise BadRequest("the signed statement has a different id", location=where)
    if _comparable(signed, drop_signature=False) != _comparable(statement, drop_signature=True):
        raise BadRequest("the signed payload differs from the statement it is attached to", location=where)
