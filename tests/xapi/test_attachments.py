from __future__ import annotations

import hashlib
import re

import pytest

from lrs.errors import BadRequest, PayloadTooLarge
from lrs.xapi.attachments import AttachmentPart, build_multipart, check_attachments, parse_multipart

B = "xyzBOUNDARY"
CT = f"multipart/mixed; boundary={B}"


def body(parts):
    out = b""
    for headers, content in parts:
        out += f"--{B}\r\n".encode() + "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode()
        out += b"\r\n" + content + b"\r\n"
    return out + f"--{B}--\r\n".encode()


def part(content: bytes, **headers):
    base = {"Content-Type": "application/octet-stream", "Content-Transfer-Encoding": "binary",
            "X-Experience-API-Hash": hashlib.sha256(content).hexdigest()}
    base.update(headers)
    return base, content


JSON_PART = ({"Content-Type": "application/json"}, b'{"a": 1}')


def test_binary_content_with_crlf_and_a_fake_boundary_survives():
    tricky = b"\r\n--xyzBOUNDAR\r\n\x00\xff" + b"--" + B.encode() + b"X" + bytes(range(256))
    statement_json, parts = parse_multipart(body([JSON_PART, part(tricky)]), CT)
    assert statement_json == b'{"a": 1}'
    (only,) = parts.values()
    assert only.content == tricky


def test_round_trip_with_build_multipart():
    content = b"certificate bytes"
    sha2 = hashlib.sha256(content).hexdigest()
    payload, content_type = build_multipart(b"[]", [AttachmentPart(sha2, "application/pdf", content)])
    statement_json, parts = parse_multipart(payload, content_type)
    assert statement_json == b"[]" and parts[sha2].content == content
    assert parts[sha2].content_type == "application/pdf"


def test_the_response_boundary_needs_no_quotes():
    """TinCanJS (Rustici's xAPI client, npm tincanjs 0.50) takes everything after "boundary=" as the
    boundary, quotes included, and then finds no parts in a retrieveStatement(attachments: true)
    answer. A boundary of characters that are both RFC 2046 bchars and RFC 2045 token characters
    is sent unquoted, which every client reads."""
    content = b"notes"
    payload, content_type = build_multipart(b"[]", [AttachmentPart(hashlib.sha256(content).hexdigest(),
                                                                   "text/plain", content)])
    kind, _, boundary = content_type.partition("; boundary=")
    assert kind == "multipart/mixed"
    assert re.fullmatch(r"[0-9A-Za-z'+_.-]{1,70}", boundary), content_type
    assert payload.startswith(f"--{boundary}\r\n".encode()) and payload.endswith(f"--{boundary}--\r\n".encode())


def test_a_quoted_boundary_in_a_request_is_still_read():
    """RFC 2046 §5.1.1 allows quotes around any boundary (Learnfolio itself sent them until
    TinCanJS could not read them), so a client that quotes its boundary is still understood."""
    statement_json, parts = parse_multipart(body([JSON_PART, part(b"x")]), f'multipart/mixed; boundary="{B}"')
    assert statement_json == b'{"a": 1}' and len(parts) == 1


def test_sha384_and_512_are_accepted():
    for algorithm in (hashlib.sha384, hashlib.sha512):
        content = b"x"
        _, parts = parse_multipart(body([JSON_PART, part(content, **{"X-Experience-API-Hash":
                                                                     algorithm(content).hexdigest()})]), CT)
        assert len(parts) == 1


@pytest.mark.parametrize("payload,content_type,words", [
    (body([JSON_PART]), "multipart/mixed", "boundary"),
    (b"no boundary here", CT, "does not start"),
    (body([({"Content-Type": "text/plain"}, b"{}")]), CT, "first part"),
    (body([JSON_PART, ({"Content-Transfer-Encoding": "binary"}, b"x")]), CT, "X-Experience-API-Hash"),
    (body([JSON_PART, part(b"x", **{"Content-Transfer-Encoding": "base64"})]), CT, "binary"),
    (body([JSON_PART, part(b"x", **{"X-Experience-API-Hash": "ab" * 32})]), CT, "SHA-2"),
    (f"--{B}\r\nContent-Type: application/json\r\n\r\n{{}}".encode(), CT, "closing boundary"),
    (f"--{B}\r\nContent-Type: application/json\r\n{{}}\r\n--{B}--".encode(), CT, "blank line"),
])
def test_malformed_multipart_is_400(payload, content_type, words):
    with pytest.raises(BadRequest) as caught:
        parse_multipart(payload, content_type)
    assert words in caught.value.message


def test_too_many_parts_and_too_large_parts():
    with pytest.raises(BadRequest):
        parse_multipart(body([JSON_PART] + [part(b"x")] * 1001), CT)
    with pytest.raises(PayloadTooLarge):
        parse_multipart(body([JSON_PART, part(b"x" * 100)]), CT, max_attachment_bytes=99)


def _statement(sha2, file_url=False):
    attachment = {"usageType": "http://e.org/u", "display": {"en": "x"}, "contentType": "text/plain",
                  "length": 1, "sha2": sha2}
    if file_url:
        attachment["fileUrl"] = "http://e.org/file"
    return {"attachments": [attachment]}


def test_check_attachments():
    sha2 = hashlib.sha256(b"x").hexdigest()
    parts = {sha2: AttachmentPart(sha2, "text/plain", b"x")}
    check_attachments([_statement(sha2)], parts)
    check_attachments([_statement("ab" * 32, file_url=True)], {})
    with pytest.raises(BadRequest, match="without fileUrl"):
        check_attachments([_statement("ab" * 32)], {})
    with pytest.raises(BadRequest, match="not an attachment of any statement"):
        check_attachments([_statement("ab" * 32, file_url=True)], parts)
