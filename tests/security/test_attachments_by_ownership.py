"""Rule 4: an attachment body is served only through a statement the reader may read that carried
it. Before, declaring any known `sha2` with a `fileUrl` returned the stored body: a stranger, or a
share recipient after the share was revoked, read it; and the body survived its owner's erasure
while any other statement's JSON mentioned the hash."""

from __future__ import annotations

import re

import pytest
import requests

from tests.e2e.server import running_server
from tests.security.realserver import (
    PASSWORD, VERSION, Web, account, attachment_meta, make_person, multipart, personal_key, post, statement,
    tool_key,
)

SECRET = b"%PDF-1.4 Ann's appraisal: confidential \x00\x01"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("rule4")) as running:
        make_person(running, "ann")
        make_person(running, "bob")
        yield running


def post_with_body(server, key, body_statement, content):
    data, content_type = multipart([body_statement], [("application/pdf", content)])
    response = requests.post(f"{server.xapi}/statements", data=data, auth=key, timeout=15,
                             headers={**VERSION, "Content-Type": content_type})
    assert response.status_code == 200, response.text


def declare_and_read(server, key, actor, content) -> bytes:
    """Post a statement that only declares the body's hash (fileUrl, no part), then read it with attachments."""
    claim = statement(actor, "Claimed", attachments=[attachment_meta(content, fileUrl="https://example.org/x.pdf")])
    assert post(server, key, [claim]).status_code == 200
    response = requests.get(f"{server.xapi}/statements", auth=key, headers=VERSION, timeout=15,
                            params={"statementId": claim["id"], "attachments": "true"})
    assert response.status_code == 200
    return response.content


def test_declaring_a_hash_gives_no_body(server):
    ann_key, bob_key = personal_key(server, "ann"), personal_key(server, "bob")
    hers = statement(account("ann"), "Appraisal", attachments=[attachment_meta(SECRET)])
    post_with_body(server, ann_key, hers, SECRET)
    own = requests.get(f"{server.xapi}/statements", auth=ann_key, headers=VERSION, timeout=15,
                       params={"statementId": hers["id"], "attachments": "true"})
    assert SECRET in own.content  # the owner reads her body
    assert SECRET not in declare_and_read(server, bob_key, account("bob"), SECRET)
    assert SECRET not in declare_and_read(server, tool_key(server), {"mbox": "mailto:t@example.org"}, SECRET)


def test_a_revoked_share_gives_no_body(server):
    ann_key, bob_key = personal_key(server, "ann"), personal_key(server, "bob")
    content = SECRET + b" shared"
    hers = statement(account("ann"), "Certificate", attachments=[attachment_meta(content)])
    post_with_body(server, ann_key, hers, content)
    ann, bob = Web(server, "ann"), Web(server, "bob")
    ann.post("/space/sharing", {"username": "bob", "all": "1"})
    share_id = re.search(r"/space/shared/([0-9a-f]+)/", bob.get("/space/sharing").text).group(1)
    sha2 = attachment_meta(content)["sha2"]
    path = f"/space/shared/{share_id}/records/{hers['id']}/attachments/{sha2}"
    assert bob.get(path).content == content  # while shared
    revoke = re.search(r'href="(/space/sharing/[0-9a-f]+/revoke)"', ann.get("/space/sharing").text).group(1)
    ann.post(revoke, {}, token_from="/space/sharing")
    assert bob.get(path).status_code == 404
    assert content not in declare_and_read(server, bob_key, account("bob"), content)


def test_erasure_removes_a_body_another_statement_only_declares(server):
    make_person(server, "cat")
    cat_key, bob_key = personal_key(server, "cat"), personal_key(server, "bob")
    content = SECRET + b" of cat"
    hers = statement(account("cat"), "Cat's notes", attachments=[attachment_meta(content)])
    post_with_body(server, cat_key, hers, content)
    claim = statement(account("bob"), "Bob mentions it",
                      attachments=[attachment_meta(content, fileUrl="https://example.org/x.pdf")])
    post(server, bob_key, [claim])
    Web(server, "cat").post("/space/erase", {"confirm": "cat", "password": PASSWORD})
    after = requests.get(f"{server.xapi}/statements", auth=tool_key(server), headers=VERSION, timeout=15,
                         params={"statementId": claim["id"], "attachments": "true"})
    assert after.status_code == 200 and content not in after.content
