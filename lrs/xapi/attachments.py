"""Statements with attachments (xAPI-Communication.md §1.5.2, xAPI-Data.md §2.4.11):
reading and writing ``multipart/mixed`` bodies, and checking that the parts and
the statements' attachment metadata agree.

A hand-written parser: the stdlib ``email`` package rewrites line endings in
binary parts, and the rules here (first part JSON, a hash header per part) are
narrower than MIME anyway. Linear in the body size; the number of parts is bounded.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from lrs.errors import BadRequest, PayloadTooLarge

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
MAX_PARTS = 1000
_HASHES = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


@dataclass
class AttachmentPart:
    sha2: str
    content_type: str
    content: bytes


def _boundary(content_type_header: str) -> str:
    for param in content_type_header.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "boundary":
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            if value and len(value) <= 200:
                return value
    raise BadRequest("a multipart/mixed request needs a boundary parameter in its Content-Type",
                     location="Content-Type")


#: bytes no header line may hold (RFC 9110 §5.5): controls other than tab, a CR or LF not ending the line
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def servable_content_type(content_type: str) -> str:
    """The type to send for a stored part: ``application/octet-stream`` when it could not be a
    header value (a control character, as an earlier version accepted)."""
    return "application/octet-stream" if _CONTROL.search(content_type) else content_type


def _headers(raw: bytes, where: str) -> dict[str, str]:
    headers = {}
    for line in raw.split(b"\r\n"):
        if not line:
            continue
        name, sep, value = line.partition(b":")
        if not sep:
            raise BadRequest(f"{where} has a malformed header line", location=where)
        if _CONTROL_BYTES.search(line):
            header = "a header name" if _CONTROL_BYTES.search(name) else f"its {name.decode('latin-1').strip()} header"
            raise BadRequest(f"{where}: {header} holds a control character (a bare line feed or carriage return,"
                             " say); each header line ends with CRLF and holds no other", location=where)
        try:
            headers[name.decode("ascii").strip().lower()] = value.decode("latin-1").strip()
        except UnicodeDecodeError:
            raise BadRequest(f"{where} has a header name that is not ASCII", location=where) from None
    return headers


def split_parts(body: bytes, content_type_header: str) -> list[tuple[dict[str, str], bytes]]:
    """The (headers, content) of each part of a multipart body."""
    delimiter = b"--" + _boundary(content_type_header).encode("latin-1")
    start = body.find(delimiter)
    if start < 0 or (start > 0 and not body[:start].endswith(b"\r\n") and body[:start].strip()):
        raise BadRequest("the body does not start with the multipart boundary", location="body")
    position = start + len(delimiter)
    parts = []
    while True:
        if body[position:position + 2] == b"--":
            break
        line_end = body.find(b"\r\n", position)
        if line_end < 0 or body[position:line_end].strip(b" \t"):
            raise BadRequest("a multipart boundary line is malformed", location="body")
        position = line_end + 2
        following = body.find(b"\r\n" + delimiter, position)
        if following < 0:
            raise BadRequest("the multipart body has no closing boundary", location="body")
        raw = body[position:following]
        where = f"multipart part {len(parts) + 1}"
        if raw.startswith(b"\r\n"):
            headers, content = {}, raw[2:]
        else:
            head_end = raw.find(b"\r\n\r\n")
            if head_end < 0:
                raise BadRequest(f"{where} has no blank line after its headers", location=where)
            headers, content = _headers(raw[:head_end], where), raw[head_end + 4:]
        parts.append((headers, content))
        if len(parts) > MAX_PARTS:
            raise BadRequest(f"a request may have at most {MAX_PARTS} parts", location="body")
        position = following + 2 + len(delimiter)
    if not parts:
        raise BadRequest("the multipart body has no parts", location="body")
    return parts


def parse_multipart(body: bytes, content_type_header: str, *,
                    max_attachment_bytes: int | None = None) -> tuple[bytes, dict[str, AttachmentPart]]:
    """The statement JSON (first part) and the attachment parts by their SHA-2."""
    parts = split_parts(body, content_type_header)
    first_headers, statement_json = parts[0]
    first_type = first_headers.get("content-type", "").split(";")[0].strip().lower()
    if first_type != "application/json":
        raise BadRequest("the first part of a multipart request must be the statements, as application/json",
                         location="multipart part 1")
    attachments: dict[str, AttachmentPart] = {}
    for number, (headers, content) in enumerate(parts[1:], start=2):
        where = f"multipart part {number}"
        sha2 = headers.get("x-experience-api-hash")
        if not sha2:
            raise BadRequest(f"{where} has no X-Experience-API-Hash header", location=where)
        if headers.get("content-transfer-encoding", "").lower() != "binary":
            raise BadRequest(f"{where} must have Content-Transfer-Encoding: binary", location=where)
        if max_attachment_bytes is not None and len(content) > max_attachment_bytes:
            raise PayloadTooLarge(f"{where} is larger than the attachment limit of {max_attachment_bytes} bytes",
                                  location=where)
        algorithm = _HASHES.get(len(sha2))
        if algorithm is None or algorithm(content).hexdigest() != sha2.lower():
            raise BadRequest(f"{where}: the content does not have the SHA-2 hash {sha2[:20]}…", location=where)
        attachments[sha2.lower()] = AttachmentPart(sha2=sha2.lower(),
                                                   content_type=headers.get("content-type",
                                                                            "application/octet-stream"),
                                                   content=content)
    return statement_json, attachments


def declared_attachments(statement: dict) -> list[dict]:
    """The attachment metadata of a statement and of its SubStatement."""
    found = list(statement.get("attachments") or ())
    obj = statement.get("object") or {}
    if obj.get("objectType") == "SubStatement":
        found += obj.get("attachments") or ()
    return found


def check_attachments(statements: list[dict], parts: dict[str, AttachmentPart]) -> None:
    """Every attachment without a fileUrl has its part, and every part is declared."""
    declared = set()
    for position, statement in enumerate(statements):
        for index, attachment in enumerate(declared_attachments(statement)):
            sha2 = attachment["sha2"].lower()
            declared.add(sha2)
            if sha2 not in parts and "fileUrl" not in attachment:
                raise BadRequest(
                    "an attachment without fileUrl must be sent as a part of a multipart/mixed request",
                    location=f"statement[{position}].attachments[{index}]",
                )
            if attachment["usageType"] == SIGNATURE_USAGE and sha2 not in parts:
                raise BadRequest("a statement signature must be sent as an attachment part",
                                 location=f"statement[{position}].attachments[{index}]")
    extra = set(parts) - declared
    if extra:
        raise BadRequest(f"a part with hash {sorted(extra)[0][:20]}… is not an attachment of any statement",
                         location="body")


def build_multipart(json_body: bytes, parts: list[AttachmentPart]) -> tuple[bytes, str]:
    """A multipart/mixed response: the statements first, then each attachment once.

    The boundary is hex digits, an RFC 2045 token, and is sent unquoted: TinCanJS reads
    everything after ``boundary=`` as the boundary, quotes included."""
    boundary = secrets.token_hex(16)
    delimiter = f"--{boundary}\r\n".encode()
    chunks = [delimiter, b"Content-Type: application/json\r\n\r\n", json_body, b"\r\n"]
    for part in parts:
        chunks += [
            delimiter,
            f"Content-Type: {servable_content_type(part.content_type)}\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {part.sha2}\r\n\r\n".encode("latin-1"),
            part.content,
            b"\r\n",
        ]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/mixed; boundary={boundary}"
