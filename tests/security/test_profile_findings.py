"""Profile findings (report mode) are seen by the statement's owners and the operator only.

Whose a finding is, the access gate says (Access.people_owning, confirmed by the store's ownership
index), never the statement's JSON: a person's Group statement naming someone else, or a comment on
someone else's statement, gives that someone no finding; and a finding shows only while its statement
is in the reader's reach.
"""

from __future__ import annotations

from lrs.access import Access
from lrs.auth.personal import create_person, create_personal_key, person_agent
from lrs.profiles import assign, findings_of
from tests.conftest import XAPIClient, add_credential, auth_header, make_app
from tests.plugins.space.conftest import PASSWORD, Browser

JOURNAL = "https://learnfolio.example/xapi/profiles/journal"


def off_platform(actor, n, **overrides) -> dict:
    body = {"id": f"00000000-0000-4000-8000-{n:012d}", "actor": actor,
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"objectType": "Activity", "id": f"urn:lrs-journal:abc:n.md#{n}",
                       "definition": {"type": "http://activitystrea.ms/schema/1.0/note", "name": {"und": "E"}}},
            "context": {"platform": "a notes app"}}
    body.update(overrides)
    return body


def setup(tmp_path):
    app = make_app(tmp_path, load=("space",))
    lrs = app.extensions["lrs"]
    ann = create_person(lrs.store, lrs.config, "ann", PASSWORD)
    bob = create_person(lrs.store, lrs.config, "bob", PASSWORD)
    return app, lrs, ann, bob


def seen_by(lrs, person) -> list[str]:
    return [i.body["statement"] for i in findings_of(lrs.store, Access.for_person(lrs.store, person))]


def test_a_person_s_group_statement_naming_another_gives_the_other_no_finding(tmp_path):
    app, lrs, ann, bob = setup(tmp_path)
    key, secret = create_personal_key(lrs.store, lrs.config, ann, "notes")
    assign(lrs.store, key.key, JOURNAL, "report")
    group = {"objectType": "Group", "name": "pair", "member": [person_agent(lrs.config, "ann"),
                                                               person_agent(lrs.config, "bob")]}
    own = XAPIClient(app.test_client(), auth_header(key.key, secret))
    assert own.post("/xapi/statements", json=off_platform(group, 1)).status_code == 200
    assert seen_by(lrs, ann) == [off_platform(group, 1)["id"]]
    assert seen_by(lrs, bob) == []
    page = Browser(app).signin("bob").get("/space/profiles/findings").get_data(as_text=True)
    assert off_platform(group, 1)["id"] not in page


def test_a_comment_on_someone_s_statement_gives_them_no_finding(tmp_path):
    app, lrs, ann, bob = setup(tmp_path)
    tool = XAPIClient(app.test_client(), add_credential(lrs.store, key="lms"))
    assert tool.post("/xapi/statements", json=off_platform(person_agent(lrs.config, "bob"), 1,
                                                           context={"platform": "lrs-journal"})).status_code == 200
    assign(lrs.store, "lms", JOURNAL, "report")
    comment = off_platform(person_agent(lrs.config, "ann"), 2,
                           object={"objectType": "StatementRef", "id": off_platform(None, 1)["id"]},
                           context={"language": "en"})  # a platform is for Activity objects only (xAPI)
    assert tool.post("/xapi/statements", json=comment).status_code == 200
    assert seen_by(lrs, ann) == [comment["id"]]
    assert seen_by(lrs, bob) == []


def test_a_finding_shows_only_while_its_statement_is_in_the_reader_s_records(tmp_path):
    app, lrs, ann, bob = setup(tmp_path)
    extra = {"objectType": "Agent", "mbox": "mailto:ann@work.example.org"}
    lrs.store.add_identity(ann.id, extra, verified_by="admin:test")
    tool = XAPIClient(app.test_client(), add_credential(lrs.store, key="lms"))
    assign(lrs.store, "lms", JOURNAL, "report")
    assert tool.post("/xapi/statements", json=off_platform(extra, 1)).status_code == 200
    assert seen_by(lrs, ann) == [off_platform(extra, 1)["id"]]
    from lrs.xapi.agents import agent_key

    lrs.store.remove_identity(ann.id, agent_key(extra))  # the address is no longer hers
    assert seen_by(lrs, ann) == []
    assert findings_of(lrs.store, Access.operator()) != []  # the operator still sees it


def test_people_owning_asks_the_ownership_index(tmp_path):
    """The gate's answer for a tool's Group statement (every verified member), a person's (theirs
    alone) and a stranger's (no one)."""
    app, lrs, ann, bob = setup(tmp_path)
    tool = XAPIClient(app.test_client(), add_credential(lrs.store, key="lms"))
    pair = {"objectType": "Group", "member": [person_agent(lrs.config, "ann"), person_agent(lrs.config, "bob")]}
    key, secret = create_personal_key(lrs.store, lrs.config, ann, "notes")
    own = XAPIClient(app.test_client(), auth_header(key.key, secret))
    by_tool, by_ann = off_platform(pair, 1), off_platform(pair, 2)
    stranger = off_platform({"mbox": "mailto:nobody@example.org"}, 3)
    assert tool.post("/xapi/statements", json=[by_tool, stranger]).status_code == 200
    assert own.post("/xapi/statements", json=by_ann).status_code == 200
    owners = Access.people_owning([by_tool, by_ann, stranger], lrs.store)
    assert sorted(owners[by_tool["id"]]) == sorted([ann.id, bob.id])
    assert owners[by_ann["id"]] == [ann.id]
    assert owners[stranger["id"]] == []
