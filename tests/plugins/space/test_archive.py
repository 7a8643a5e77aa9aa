"""Everything I own, in one archive: exported from one Learnfolio, imported into another (SQLite, and
a MongoDB store through mongomock: the import's path on that backend, not proof against a server)."""

from __future__ import annotations

import hashlib
import io
import json
import re

import pytest

from lrs import StoreBackend, hookimpl
from lrs.app import create_app
from lrs.auth.personal import create_person, create_personal_key
from lrs.xapi.attachments import AttachmentPart, build_multipart
from tests.conftest import EVERYTHING, SECRET_KEY, XAPIClient, auth_header
from tests.plugins.space.conftest import PASSWORD, Browser
from tests.plugins.space.test_pages import add_journal, ann_agent

PLUGINS = ("space", "cpd", "cpd_nursing", "chat")


class Mongomock:
    """A store backend for ``mongomock://``: MongoStore on mongomock (no MongoDB server runs here)."""

    @hookimpl
    def register_stores(self):
        import mongomock

        from lrs.store.mongo import MongoStore

        return [StoreBackend("mongomock", lambda url, config: MongoStore(mongomock.MongoClient(), "archive",
                                                                         transactions=False))]


def app_at(home, store=None):
    config = {"home": home, "secret_key": SECRET_KEY, "load_plugins": PLUGINS, "forward_worker": False}
    if store:
        config["store"] = store
    return create_app(config, plugins=[Mongomock()] if store else ())


def a_life(app):
    """ann's record in the first Learnfolio: a tool's statements with an attachment, journal entries (one
    edited), a goal with links, corrections, a hidden record, a share, settings of the space and CPD, a document."""
    ctx = app.extensions["lrs"]
    ann = create_person(ctx.store, ctx.config, "ann", PASSWORD)
    create_person(ctx.store, ctx.config, "bob", PASSWORD)
    credential, secret = create_personal_key(ctx.store, ctx.config, ann, "LMS")
    lms = XAPIClient(app.test_client(), auth_header(credential.key, secret))
    certificate = b"%PDF certificate of ann"
    sha = hashlib.sha256(certificate).hexdigest()
    course = {"actor": ann_agent(app), "verb": {"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"en": "passed"}},
              "object": {"id": "https://lms.example.org/sepsis", "definition": {
                  "name": {"en": "Sepsis recognition"}, "type": "http://adlnet.gov/expapi/activities/course"}},
              "result": {"score": {"raw": 86, "max": 100}, "success": True, "duration": "PT1H30M"},
              "timestamp": "2026-01-15T09:00:00Z", "context": {"platform": "Moodle"},
              "attachments": [{"usageType": "http://id.tincanapi.com/attachment/certificate-of-completion",
                               "display": {"en": "certificate"}, "contentType": "application/pdf",
                               "length": len(certificate), "sha2": sha}]}
    payload, content_type = build_multipart(json.dumps(course).encode(),
                                            [AttachmentPart(sha, "application/pdf", certificate)])
    [course_id] = lms.post("/xapi/statements", data=payload, headers={"Content-Type": content_type}).json
    lms.put("/xapi/activities/state", query_string={"activityId": "https://lms.example.org/sepsis",
                                                    "agent": json.dumps(ann_agent(app)), "stateId": "bookmark"},
            data=b'{"page": 7}', content_type="application/json")
    b = Browser(app).signin("ann")
    first = add_journal(b, what="Read about WAL", date="2026-02-01", tags="sqlite")
    edited = b.post(f"/space/records/{first}/edit", {"what": "Read about WAL checkpoints", "verb": "read",
                                                     "date": "2026-02-01", "tags": "sqlite"},
                    token_from=f"/space/records/{first}/edit").headers["Location"].split("/records/")[1].split("?")[0]
    private = add_journal(b, what="Private notes", date="2026-02-02")
    b.post(f"/space/records/{private}/hide", {"hidden": "1"}, token_from="/space/")
    b.post(f"/space/records/{course_id}/annotation", {"application": "Use NEWS2 on every round", "tags": "sepsis"},
           token_from=f"/space/records/{course_id}")
    b.post("/space/goals", {"title": "Patient safety", "hours": "10"}, token_from="/space/goals")
    goal = ctx.store.list_items("goal", person_id=ann.id)[0]
    for sid in (course_id, edited):
        b.post("/space/goals/link", {"goal": goal.item_id, "statement_id": sid}, token_from=f"/space/records/{sid}")
    b.post("/space/sharing", {"username": "bob", "goals": goal.item_id}, token_from="/space/sharing")
    b.post("/space/settings", {"locale": "en-IE"}, token_from="/space/settings")
    b.post("/space/cpd/settings", {"name": "Ann Example", "target_hours": "35", "year_start": "04-01",
                                   "templates": "nursing"}, token_from="/space/cpd/")
    return b, {"course": course_id, "first": first, "edited": edited, "private": private, "sha": sha,
               "certificate": certificate, "goal": goal.item_id}


@pytest.mark.parametrize("target_store", [None, "mongomock://archive"], ids=["sqlite", "mongomock"])
def test_everything_i_own_goes_to_another_learnfolio_and_comes_back_the_same(tmp_path, target_store):
    source = app_at(tmp_path / "a")
    b, ids = a_life(source)
    assert "Download everything I own" in b.get("/space/erase").get_data(as_text=True)  # the erase page offers it
    archive = b.get("/space/archive.json")
    assert archive.headers["Content-Disposition"] == 'attachment; filename="ann-learnfolio-archive.json"'
    data = json.loads(archive.data)
    assert data["format"] == "learnfolio-personal-archive/1"
    assert {s["id"] for s in data["statements"]} >= {ids["course"], ids["first"], ids["edited"], ids["private"]}
    assert set(data["items"]) == {"goal", "annotation", "share", "space-settings", "cpd-settings"}
    assert ids["sha"] in data["attachments"] and data["documents"][0]["id"] == "bookmark"

    target = app_at(tmp_path / "b", target_store)
    ctx = target.extensions["lrs"]
    annie = create_person(ctx.store, ctx.config, "annie", PASSWORD)  # another username: her identities map
    create_person(ctx.store, ctx.config, "bob", PASSWORD)
    other = Browser(target).signin("annie")
    token = other.token("/space/settings")
    imported = other.client.post("/space/archive/import", data={"csrf_token": token, "archive": (
        io.BytesIO(archive.data), "ann-learnfolio-archive.json")}, content_type="multipart/form-data")
    report = imported.get_data(as_text=True)
    assert imported.status_code == 200 and "statements stored: 5" in report and "problem" not in report

    timeline = other.get("/space/").get_data(as_text=True)
    assert re.findall(r'<h3><a href="[^"]+">[^:]+: ([^<]+)</a></h3>', timeline) == [
        "Read about WAL checkpoints", "Sepsis recognition"]
    assert "1 hidden record" in timeline and "#sepsis" in timeline
    course = other.get(f"/space/records/{ids['course']}").get_data(as_text=True)
    assert "Use NEWS2 on every round" in course and "86 / 100 (86%), passed" in course
    assert other.get(f"/space/records/{ids['course']}/attachments/{ids['sha']}").data == ids["certificate"]
    assert "Earlier versions" in other.get(f"/space/records/{ids['edited']}").get_data(as_text=True)
    goals = other.get("/space/goals").get_data(as_text=True)
    assert "Patient safety" in goals and "2 linked records, 1 h 30 min of 10 h" in goals
    sharing = other.get("/space/sharing").get_data(as_text=True)
    assert "With <strong>bob</strong>" in sharing
    share = ctx.store.list_items("share", person_id=annie.id)[0]
    assert share.ref is None and share.body["imported"]  # paused: bob here may be someone else
    assert "en-IE" in ctx.store.get_item("space-settings", str(annie.id)).body["locale"]
    assert ctx.store.get_item("cpd-settings", str(annie.id)).body["templates"] == ["nursing"]
    stored = json.loads(ctx.store.get_statement(ids["course"], reach=EVERYTHING).json)
    assert stored["actor"]["account"]["name"] == "annie"
    assert stored["context"]["extensions"]["https://learnfolio.example/xapi/extensions/imported-actor"] == \
        ann_agent(source)
    from lrs.xapi.documents import STATE, DocumentRef
    from lrs.xapi.agents import agent_key

    ref = DocumentRef(STATE, activity_id="https://lms.example.org/sepsis",
                      agent=agent_key({"account": {"homePage": ctx.config.people_home_page, "name": "annie"}}),
                      doc_id="bookmark")
    assert ctx.store.get_document(ref, reach=EVERYTHING).content == b'{"page": 7}'

    # importing it again adds nothing, and exporting here gives the same record back
    again = other.client.post("/space/archive/import", data={"csrf_token": token, "archive": (
        io.BytesIO(archive.data), "again.json")}, content_type="multipart/form-data").get_data(as_text=True)
    assert "statements stored" not in again and "statements already here: 5" in again
    back = json.loads(other.get("/space/archive.json").data)
    assert sorted(s["id"] for s in back["statements"]) == sorted(s["id"] for s in data["statements"])
    assert len(back["items"]["annotation"]) == len(data["items"]["annotation"])


def test_an_archive_that_is_not_one_is_refused_plainly(tmp_path):
    app = app_at(tmp_path)
    ctx = app.extensions["lrs"]
    create_person(ctx.store, ctx.config, "ann", PASSWORD)
    b = Browser(app).signin("ann")
    token = b.token("/space/settings")
    for content, message in ((b"not json", "not JSON"), (b'[{"actor": {}}]', "not a Learnfolio archive")):
        response = b.client.post("/space/archive/import", data={"csrf_token": token, "archive": (
            io.BytesIO(content), "x.json")}, content_type="multipart/form-data")
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert b.client.post("/space/archive/import", data={"csrf_token": token},
                         content_type="multipart/form-data").status_code == 400
