"""Rule 14: no input gives a 500, and no input becomes a link that runs script.

The Flask test client runs the same code as a real server here (the multipart parser, the sign-in
redirect and the record page are plain request handling)."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from lrs.auth.personal import create_personal_key
from lrs.xapi.attachments import AttachmentPart, build_multipart
from tests.conftest import XAPIClient, auth_header, statement
from tests.plugins.space.conftest import PASSWORD

CONTENT = b"my certificate"
SHA = hashlib.sha256(CONTENT).hexdigest()


def ann_agent(space_app):
    home = space_app.extensions["lrs"].config.people_home_page
    return {"objectType": "Agent", "name": "ann", "account": {"homePage": home, "name": "ann"}}


def ann_tool(space_app, space_store, people):
    credential, secret = create_personal_key(space_store, space_app.extensions["lrs"].config, people["ann"], "tool")
    return XAPIClient(space_app.test_client(), auth_header(credential.key, secret))


def attachment(**extra):
    return {"usageType": "http://id.tincanapi.com/attachment/certificate-of-completion",
            "display": {"en": "certificate"}, "contentType": "text/plain", "length": len(CONTENT), "sha2": SHA,
            **extra}


def multipart_with_part_head(space_app, head: bytes) -> tuple[bytes, str]:
    body = json.dumps(statement(actor=ann_agent(space_app), attachments=[attachment()])).encode()
    payload = (b"--B\r\nContent-Type: application/json\r\n\r\n" + body + b"\r\n--B\r\n" + head + b"\r\n\r\n"
               + CONTENT + b"\r\n--B--\r\n")
    return payload, "multipart/mixed; boundary=B"


HASH = b"X-Experience-API-Hash: " + SHA.encode()


@pytest.mark.parametrize("head", [
    b"Content-Type: text/plain\nX-Injected: 1\r\nContent-Transfer-Encoding: binary\r\n" + HASH,
    b"Content-Type: text/plain\rX-Injected: 1\r\nContent-Transfer-Encoding: binary\r\n" + HASH,
    b"Content-Type: text/\x00plain\r\nContent-Transfer-Encoding: binary\r\n" + HASH,
    b"Content-Type: text/plain\r\nContent-Transfer-Encoding: binary\n\r\n" + HASH,
], ids=["bare-LF", "bare-CR", "NUL", "LF-ending-a-line"])
def test_a_control_character_in_a_part_header_is_a_400_naming_the_part(space_app, space_store, people, head):
    payload, content_type = multipart_with_part_head(space_app, head)
    response = ann_tool(space_app, space_store, people).post("/xapi/statements", data=payload,
                                                             headers={"Content-Type": content_type})
    assert response.status_code == 400, response.data
    assert response.json["location"] == "multipart part 2"
    assert "control character" in response.json["message"]
    assert space_store.statement_count() == 0


def test_an_attachment_kept_with_a_bad_content_type_still_downloads(space_app, space_store, people, browser):
    """An attachment stored by an earlier version with a line feed in its type is served, not a 500."""
    body = statement(actor=ann_agent(space_app), attachments=[attachment()])
    payload, content_type = build_multipart(json.dumps(body).encode(), [AttachmentPart(SHA, "text/plain", CONTENT)])
    tool = ann_tool(space_app, space_store, people)
    [sid] = tool.post("/xapi/statements", data=payload, headers={"Content-Type": content_type}).json
    space_store.conn.execute("UPDATE attachments SET content_type = ? WHERE sha2 = ?",
                             ("text/plain\nX-Injected: 1", SHA))
    download = browser().signin("ann").get(f"/space/records/{sid}/attachments/{SHA}")
    assert download.status_code == 200 and download.data == CONTENT
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert "X-Injected" not in download.headers
    got = tool.get("/xapi/statements", query_string={"statementId": sid, "attachments": "true"})
    assert got.status_code == 200 and b"X-Injected" not in got.data


@pytest.mark.parametrize("target", ["/space/\r\nSet-Cookie: lf_session=planted", "/space/\nX-Injected: 1",
                                    "/space/\rX-Injected: 1", "/space/\x00", "/space/goals\t"])
def test_control_characters_in_next_are_not_a_500(people, browser, target):
    b = browser()
    response = b.post("/space/signin", {"username": "ann", "password": PASSWORD}, query_string={"next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert not re.search(r"[\x00-\x1f\x7f]", location) and "X-Injected" not in location
    assert "planted" not in "".join(response.headers.getlist("Set-Cookie"))


def test_a_safe_next_still_leads_there(people, browser):
    response = browser().post("/space/signin", {"username": "ann", "password": PASSWORD},
                              query_string={"next": "/space/goals?x=1"})
    assert response.headers["Location"] == "/space/goals?x=1"


@pytest.mark.parametrize("file_url", ["javascript:alert(document.domain)", "JavaScript:alert(1)",
                                      "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
                                      "vbscript:msgbox(1)"])
def test_only_http_file_urls_become_links_on_the_record_page(space_app, space_store, people, browser, file_url):
    tool = ann_tool(space_app, space_store, people)
    body = statement(actor=ann_agent(space_app),
                     attachments=[attachment(fileUrl=file_url),
                                  attachment(fileUrl="https://files.example.org/certificate.txt",
                                             sha2=hashlib.sha256(b"other").hexdigest())])
    response = tool.post("/xapi/statements", json=body)
    assert response.status_code == 200, response.json
    [sid] = response.json
    page = browser().signin("ann").get(f"/space/records/{sid}").get_data(as_text=True)
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert "https://files.example.org/certificate.txt" in hrefs
    assert not [h for h in hrefs if h.lower().strip().startswith(("javascript:", "data:", "vbscript:"))], hrefs
    assert file_url.strip()[:10] in page  # shown as text, so the person sees what the tool sent
