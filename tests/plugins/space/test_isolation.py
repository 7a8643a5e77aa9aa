"""No one sees what is not theirs: every page and every xAPI resource, tried by another person.

Each of ann's things (record, attachment, goal, share, key, identity) is asked
for with bob's session and with bob's personal key. The answer is 403 or 404,
the same answer as for a thing that does not exist, and ann's data is untouched.
"""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest

from lrs.app import create_app
from lrs.auth.personal import create_person, create_personal_key
from lrs.xapi.attachments import AttachmentPart, build_multipart
from tests.conftest import SECRET_KEY, XAPIClient, auth_header, statement
from tests.plugins.space.conftest import PASSWORD, Browser
from tests.plugins.space.test_pages import add_journal, ann_agent

CONTENT = b"ann's private attachment"
SHA = hashlib.sha256(CONTENT).hexdigest()


@pytest.fixture(scope="module")
def space_app(tmp_path_factory):
    """One app for the module: nothing here may change ann's data, and each test checks that."""
    return create_app({"home": tmp_path_factory.mktemp("isolation"), "secret_key": SECRET_KEY, "load_plugins": ("space", "cpd", "cpd_nursing", "chat")})


@pytest.fixture(scope="module")
def space_store(space_app):
    return space_app.extensions["lrs"].store


@pytest.fixture(scope="module")
def people(space_app, space_store):
    config = space_app.extensions["lrs"].config
    return {name: create_person(space_store, config, name, PASSWORD) for name in ("ann", "bob")}


@pytest.fixture(scope="module")
def world(space_app, people, space_store):
    browser = lambda: Browser(space_app)  # noqa: E731
    config = space_app.extensions["lrs"].config
    key, secret = create_personal_key(space_store, config, people["ann"], "ann's tool")
    ann_xapi = XAPIClient(space_app.test_client(), auth_header(key.key, secret))
    body = statement(actor=ann_agent(space_app), attachments=[{
        "usageType": "http://example.com/u", "display": {"en": "notes"}, "contentType": "text/plain",
        "length": len(CONTENT), "sha2": SHA}])
    payload, content_type = build_multipart(json.dumps(body).encode(), [AttachmentPart(SHA, "text/plain", CONTENT)])
    [sid] = ann_xapi.post("/xapi/statements", data=payload, headers={"Content-Type": content_type}).json
    ann = browser().signin("ann")
    add_journal(ann)
    ann.post("/space/goals", {"title": "Ann's goal"}, token_from="/space/goals")
    space_store.add_identity(people["ann"].id, {"mbox": "mailto:ann@example.org"})
    cat = space_store.add_person("cat", people["ann"].password_hash)
    ann.post("/space/sharing", {"username": "cat", "all": "1"}, token_from="/space/sharing")
    bob_key, bob_secret = create_personal_key(space_store, config, people["bob"], "bob's tool")
    return {
        "sid": sid, "key": key.key,
        "goal": space_store.list_items("goal", person_id=people["ann"].id)[0].item_id,
        "share": space_store.list_items("share", person_id=people["ann"].id)[0].item_id,
        "cat": cat, "ann": ann, "bob": browser().signin("bob"),
        "bob_xapi": XAPIClient(space_app.test_client(), auth_header(bob_key.key, bob_secret)),
        "ann_xapi": ann_xapi,
    }


def _same_answer(response_for_theirs, response_for_absent, *, secret_parts=()):
    assert response_for_theirs.status_code in (403, 404)
    assert response_for_theirs.status_code == response_for_absent.status_code
    text = response_for_theirs.get_data(as_text=True)
    for part in secret_parts:
        text = text.replace(part, "X")
    other = response_for_absent.get_data(as_text=True)
    assert len(text) - len(other) in range(-64, 65)  # only the asked-for id differs


PAGES = [
    ("GET", "/space/records/{sid}", {}),
    ("GET", "/space/records/{sid}/attachments/" + SHA, {}),
    ("GET", "/space/shared/{share}/", {}),
    ("GET", "/space/shared/{share}/records/{sid}", {}),
    ("GET", "/space/shared/{share}/records/{sid}/attachments/" + SHA, {}),
    ("POST", "/space/goals/link", {"goal": "{goal}", "statement_id": "{sid}"}),
    ("POST", "/space/goals/{goal}/delete", {}),
    ("POST", "/space/sharing/{share}/revoke", {}),
    ("POST", "/space/keys/{key}/revoke", {}),
]


@pytest.mark.parametrize("method,path,form", PAGES, ids=[p[1].split("{")[0] + p[0] for p in PAGES])
def test_pages_refuse_another_persons_things(world, method, path, form, space_store):
    real = {k: world[k] for k in ("sid", "goal", "share", "key")}
    fake = {"sid": str(uuid.uuid4()), "goal": "0" * 16, "share": "0" * 24, "key": "0" * 20}
    bob = world["bob"]

    def ask(values):
        target = path.format(**values)
        if method == "GET":
            return bob.get(target)
        return bob.post(target, {k: v.format(**values) for k, v in form.items()}, token_from="/space/")

    _same_answer(ask(real), ask(fake), secret_parts=list(real.values()))
    # ann's things are all still there
    assert space_store.get_item("goal", world["goal"]) is not None
    assert space_store.get_item("share", world["share"]) is not None
    assert not space_store.get_credential(world["key"]).revoked


def test_bobs_pages_show_nothing_of_ann(world):
    bob = world["bob"]
    pages = "".join(bob.get(p).get_data(as_text=True) for p in (
        "/space/", "/space/ways", "/space/goals", "/space/sharing", "/space/keys", "/space/identities",
        "/space/erase"))
    assert "0 records" in bob.get("/space/").get_data(as_text=True)
    for secret in (world["sid"], world["goal"], world["share"], world["key"], "Ann's goal", "Read about WAL",
                   "ann@example.org", "ann's tool"):
        assert secret not in pages
    assert json.loads(bob.get("/space/export.json").data) == []


def test_only_admins_see_pending_claims(world):
    assert world["bob"].get("/space/admin").status_code == 403
    response = world["bob"].post("/space/admin/verify", {"person_id": "2", "key": "Agent|mbox|mailto:ann@example.org"},
                                 token_from="/space/")
    assert response.status_code == 403


def test_removing_someone_elses_identity_does_nothing(world, space_store, people):
    world["bob"].post("/space/identities/remove", {"key": "Agent|mbox|mailto:ann@example.org"},
                      token_from="/space/identities")
    assert "Agent|mbox|mailto:ann@example.org" in {i.key for i in space_store.list_identities(people["ann"].id)}


XAPI = [
    ("GET", "/xapi/statements?statementId={sid}", 404),
    ("GET", "/xapi/statements?voidedStatementId={sid}", 404),
    ("GET", "/xapi/statements?statementId={sid}&attachments=true", 404),
    ("GET", "/xapi/activities/state?activityId=http://example.org/a&agent={agent}&stateId=s", 403),
    ("PUT", "/xapi/activities/state?activityId=http://example.org/a&agent={agent}&stateId=s", 403),
    ("DELETE", "/xapi/activities/state?activityId=http://example.org/a&agent={agent}", 403),
    ("GET", "/xapi/agents/profile?agent={agent}&profileId=p", 403),
    ("GET", "/xapi/agents/profile?agent={agent}", 403),
    ("GET", "/xapi/agents?agent={agent}", 403),
    ("GET", "/xapi/activities?activityId=http://example.org/activities/reading", 403),
    ("GET", "/xapi/activities/profile?activityId=http://example.org/activities/reading", 403),
]


@pytest.mark.parametrize("method,path,status", XAPI, ids=[f"{m} {p.split('?')[0]}" for m, p, _ in XAPI])
def test_xapi_resources_refuse_another_persons_records(world, space_app, method, path, status):
    agent = json.dumps(ann_agent(space_app))
    world["ann_xapi"].put(f"/xapi/activities/state?activityId=http://example.org/a&agent={agent}&stateId=s",
                          json={"ann": "state"})
    response = world["bob_xapi"].open(method, path.format(sid=world["sid"], agent=agent), json={"bob": 1})
    assert response.status_code == status, response.json
    absent = str(uuid.uuid4())
    nobody = json.dumps({"objectType": "Agent", "mbox": "mailto:nobody@example.org"})
    other = world["bob_xapi"].open(method, path.format(sid=absent, agent=nobody), json={"bob": 1})
    # the same answer as for something that does not exist: nothing tells bob that ann's exists
    assert (other.status_code, other.json["message"].replace(absent, "ID")) == \
        (response.status_code, response.json["message"].replace(world["sid"], "ID"))
    # still there for ann
    assert world["ann_xapi"].get(f"/xapi/statements?statementId={world['sid']}").status_code == 200


def test_xapi_queries_by_another_persons_agent_return_nothing(world, space_app):
    agent = json.dumps(ann_agent(space_app))
    for params in (f"agent={agent}", f"agent={agent}&related_agents=true", "verb=http://adlnet.gov/expapi/verbs/experienced",
                   "activity=http://example.org/activities/reading"):
        response = world["bob_xapi"].get(f"/xapi/statements?{params}")
        assert response.status_code == 200 and response.json["statements"] == [], params
