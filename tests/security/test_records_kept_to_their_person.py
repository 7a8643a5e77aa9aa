"""What a person does to their records (correct, hide, edit, delete, export, import) reaches their own
records only, and what they hide reaches no one: each through the access gate.

- Another person's record answers 404 to every action, and nothing of it changes.
- Deleting a filtered set deletes only what the person owns, whatever the filter matches.
- A hidden record is in no share: not listed, not by id, not its attachments, not in a goal's progress.
- The archive carries only the person's own statements and items; importing one writes only as the
  importing person, and never over another person's items.
- The timeline's filter values (kept between requests) are each person's own.
- Annotations travel only with a person's own forwarding rules, never with the operator's.
"""

from __future__ import annotations

import hashlib
import io
import json

from lrs.auth.personal import create_personal_key
from lrs.store.base import Item
from lrs.xapi.attachments import AttachmentPart, build_multipart
from tests.conftest import EVERYTHING, XAPIClient, auth_header
from tests.plugins.space.test_pages import add_journal, ann_agent


def _ann_tool(space_app, store, people):
    credential, secret = create_personal_key(store, space_app.extensions["lrs"].config, people["ann"], "tool")
    return XAPIClient(space_app.test_client(), auth_header(credential.key, secret))


def test_another_persons_record_answers_404_to_every_action_and_stays(space_app, people, browser, space_store):
    ann = browser().signin("ann")
    sid = add_journal(ann, what="Ann's entry", tags="shared-tag")
    before = space_store.get_statement(sid, reach=EVERYTHING).json
    bob = browser().signin("bob")
    add_journal(bob, what="Bob's entry", tags="shared-tag")
    token = "/space/"
    assert bob.get(f"/space/records/{sid}").status_code == 404
    assert bob.post(f"/space/records/{sid}/annotation", {"way": "work"}, token_from=token).status_code == 404
    assert bob.post(f"/space/records/{sid}/hide", {"hidden": "1"}, token_from=token).status_code == 404
    assert bob.get(f"/space/records/{sid}/edit").status_code == 404
    assert bob.post(f"/space/records/{sid}/edit", {"what": "taken over"}, token_from=token).status_code == 404
    assert bob.get(f"/space/records/delete?id={sid}").status_code == 404
    assert bob.post("/space/records/delete", {"id": sid, "digest": "x"}, token_from=token).status_code == 404
    assert bob.get(f"/space/cpd/records/{sid}").status_code == 404
    # a filter that matches both people's records deletes only bob's own
    confirm = bob.get("/space/records/delete?tag=shared-tag").get_data(as_text=True)
    assert "Delete 1 record for good?" in confirm and "Ann's entry" not in confirm
    import re

    digest = re.search(r'name="digest" value="([^"]+)"', confirm).group(1)
    bob.post("/space/records/delete", {"tag": "shared-tag", "digest": digest}, token_from=token)
    assert space_store.get_statement(sid, reach=EVERYTHING).json == before
    assert space_store.list_items("annotation") == []
    assert "Bob's entry" not in json.dumps([json.loads(s.json) for s in space_store.query_statements(
        __import__("lrs").StatementQuery(), 50, reach=EVERYTHING).statements])


def test_a_hidden_record_is_in_no_share(space_app, people, browser, space_store):
    tool = _ann_tool(space_app, space_store, people)
    content = b"private scan"
    sha = hashlib.sha256(content).hexdigest()
    body = {"actor": ann_agent(space_app), "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": "https://example.org/scan", "definition": {"name": {"en": "Hidden scan"}}},
            "attachments": [{"usageType": "http://example.org/u", "display": {"en": "scan"},
                             "contentType": "text/plain", "length": len(content), "sha2": sha}]}
    payload, content_type = build_multipart(json.dumps(body).encode(), [AttachmentPart(sha, "text/plain", content)])
    [hidden] = tool.post("/xapi/statements", data=payload, headers={"Content-Type": content_type}).json
    ann = browser().signin("ann")
    visible = add_journal(ann, what="Visible entry", minutes="30")
    ann.post("/space/goals", {"title": "Shared goal"}, token_from="/space/goals")
    goal = space_store.list_items("goal", person_id=people["ann"].id)[0]
    for sid in (hidden, visible):
        ann.post("/space/goals/link", {"goal": goal.item_id, "statement_id": sid}, token_from=f"/space/records/{sid}")
    ann.post("/space/sharing", {"username": "bob", "all": "1"}, token_from="/space/sharing")
    ann.post(f"/space/records/{hidden}/hide", {"hidden": "1"}, token_from="/space/")
    share = space_store.list_items("share", person_id=people["ann"].id)[0]
    bob = browser().signin("bob")
    base = f"/space/shared/{share.item_id}"
    listing = bob.get(f"{base}/").get_data(as_text=True)
    assert "Visible entry" in listing and "Hidden scan" not in listing
    assert "1 linked record" in listing  # the goal's progress counts only what is shown
    assert bob.get(f"{base}/?hidden=only").get_data(as_text=True).count("Hidden scan") == 0
    assert bob.get(f"{base}/records/{hidden}").status_code == 404
    assert bob.get(f"{base}/records/{hidden}/attachments/{sha}").status_code == 404
    assert bob.get(f"{base}/?q=scan").get_data(as_text=True).count("Hidden scan") == 0


def test_the_archive_holds_only_what_is_the_persons(space_app, people, browser, space_store):
    ann, bob = browser().signin("ann"), browser().signin("bob")
    add_journal(ann, what="Ann's own")
    add_journal(bob, what="Bob's own")
    bob.post("/space/goals", {"title": "Bob's goal"}, token_from="/space/goals")
    bob.post("/space/sharing", {"username": "ann", "all": "1"}, token_from="/space/sharing")
    archive = ann.get("/space/archive.json").get_data(as_text=True)
    assert "Ann's own" in archive and "Bob's own" not in archive and "Bob's goal" not in archive
    assert json.loads(archive)["items"]["share"] == []  # a share made to her is bob's


def test_an_import_writes_only_as_the_importing_person_and_never_over_anothers_items(space_app, people, browser,
                                                                                    space_store):
    bobs_goal = Item("goal", "f00d", people["bob"].id, {"title": "Bob's goal", "statement_ids": []})
    space_store.put_item(bobs_goal)
    archive = {
        "format": "learnfolio-personal-archive/1",
        "person": {"username": "ann", "identities": [ann_agent(space_app)]},
        "statements": [
            {"id": "5f0a7a4e-0b8c-4f53-9d2e-5b1f3c0a1d01", "actor": {"mbox": "mailto:bob@example.org"},
             "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
             "object": {"id": "https://example.org/forged"}},
        ],
        "attachments": {}, "documents": [],
        "items": {"goal": [{"item_id": "f00d", "body": {"title": "Hijack", "statement_ids": []}}],
                  "annotation": [{"item_id": f"{people['bob'].id}:x", "ref": "x", "body": {"way": "work"}}]},
    }
    ann = browser().signin("ann")
    token = ann.token("/space/settings")
    report = ann.client.post("/space/archive/import", data={"csrf_token": token, "archive": (
        io.BytesIO(json.dumps(archive).encode()), "a.json")}, content_type="multipart/form-data").get_data(as_text=True)
    assert "none of the archive&#39;s identities" in report or "none of the archive's identities" in report
    assert space_store.get_statement("5f0a7a4e-0b8c-4f53-9d2e-5b1f3c0a1d01", reach=EVERYTHING) is None
    assert space_store.get_item("goal", "f00d").body["title"] == "Bob's goal"  # not overwritten
    anns = space_store.list_items("goal", person_id=people["ann"].id)
    assert [g.body["title"] for g in anns] == ["Hijack"] and anns[0].item_id != "f00d"
    assert [a.item_id for a in space_store.list_items("annotation")] == [f"{people['ann'].id}:x"]


def test_the_timelines_filter_values_are_each_persons_own(space_app, people, browser):
    ann, bob = browser().signin("ann"), browser().signin("bob")
    add_journal(bob, tags="bobs-tag")
    add_journal(ann, tags="anns-secret-tag")  # one record each, nothing written between the two pages
    assert "anns-secret-tag" in ann.get("/space/").get_data(as_text=True)
    page = bob.get("/space/").get_data(as_text=True)
    assert "bobs-tag" in page and "anns-secret-tag" not in page
