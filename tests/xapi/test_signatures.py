"""Signed statements, with keys and a self-signed certificate made here."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from lrs.errors import BadRequest
from lrs.xapi.signatures import SIGNATURE_USAGE, verify_signed_statement
from tests.conftest import statement


@pytest.fixture(scope="module")
def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def certificate(key):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "learnfolio test signer")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def signed(body, key, algorithm="RS256", headers=None):
    token = jwt.api_jws.encode(json.dumps(body).encode(), key, algorithm=algorithm, headers=headers)
    with_signature = copy.deepcopy(body)
    with_signature["attachments"] = [{"usageType": SIGNATURE_USAGE, "display": {"en": "signature"},
                                      "contentType": "application/octet-stream", "length": len(token),
                                      "sha2": "0" * 64}]
    return with_signature, token.encode()


@pytest.mark.parametrize("algorithm", ["RS256", "RS384", "RS512"])
def test_valid_signatures(key, algorithm):
    verify_signed_statement(*signed(statement(), key, algorithm))


def test_x5c_is_verified(key, certificate):
    verify_signed_statement(*signed(statement(), key, headers={"x5c": [certificate]}))
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(BadRequest, match="does not verify"):
        verify_signed_statement(*signed(statement(), other, headers={"x5c": [certificate]}))


def test_payload_must_match(key):
    body, token = signed(statement(), key)
    body["verb"] = {"id": "http://example.org/other"}
    with pytest.raises(BadRequest, match="differs"):
        verify_signed_statement(body, token)


def test_lrs_set_properties_may_differ(key):
    body, token = signed(statement(), key)
    body["authority"] = {"mbox": "mailto:lrs@example.org"}
    body["stored"] = "2026-01-01T00:00:00Z"
    verify_signed_statement(body, token)


def test_other_algorithms_and_garbage_are_refused(key):
    body, _ = signed(statement(), key)
    hs = jwt.api_jws.encode(json.dumps(statement()).encode(), "s" * 32, algorithm="HS256").encode()
    with pytest.raises(BadRequest, match="only RS256"):
        verify_signed_statement(body, hs)
    for garbage in (b"not a jws", b"a.b.c", b"\xff\xfe"):
        with pytest.raises(BadRequest):
            verify_signed_statement(body, garbage)


def test_payload_that_is_not_json_is_refused(key):
    token = jwt.api_jws.encode(b"{'broken': json", key, algorithm="RS256").encode()
    body, _ = signed(statement(), key)
    with pytest.raises(BadRequest, match="not a JSON statement"):
        verify_signed_statement(body, token)


def test_signature_content_type_must_be_octet_stream(key):
    body, token = signed(statement(), key)
    body["attachments"][0]["contentType"] = "text/plain"
    with pytest.raises(BadRequest, match="octet-stream"):
        verify_signed_statement(body, token)
