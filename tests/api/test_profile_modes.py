"""xAPI Profiles over the Statements resource: a credential's profiles in enforce mode (refused, naming
the template's rule) and report mode (stored, the findings kept for the statement's owner and the
operator), and profiles a statement claims in its category context activities (LRS_PROFILE_CLAIMS)."""

from __future__ import annotations

import pytest

from lrs.access import Access
from lrs.auth.personal import create_person, create_personal_key, person_agent
from lrs.profiles import FINDINGS, add_profile, assign, findings_of, unassign
from lrs.store.base import Item
from tests.conftest import EVERYTHING, XAPIClient, add_credential, auth_header, make_app
from tests.plugins.space.conftest import PASSWORD, Browser

JOURNAL = "https://learnfolio.example/xapi/profiles/journal"
JOURNAL_V1 = JOURNAL + "/v1"
ENTRY = JOURNAL + "/templates/entry"


def entry(actor, n=1, **overrides) -> dict:
    body = {"id": f"00000000-0000-4000-8000-{n:012d}", "actor": actor,
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
            "object": {"objectType": "Activity", "id": f"urn:lrs-journal:abc:notes.md#entry-{n}",
                       "definition": {"type": "http://activitystrea.ms/schema/1.0/note", "name": {"und": "Entry"}}},
            "context": {"platform": "lrs-journal"}}
    body.update(overrides)
    return body


def off_platform(actor, n=1) -> dict:
    return entry(actor, n, context={"platform": "a notes app"})


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path, load=("space",))


@pytest.fixture
def lrs(app):
    return app.extensions["lrs"]


@pytest.fixture
def ann(lrs):
    return create_person(lrs.store, lrs.config, "ann", PASSWORD)


@pytest.fixture
def tool(app, lrs):
    return XAPIClient(app.test_client(), add_credential(lrs.store, key="notes-tool"))


def stored_ids(lrs) -> set[str]:
    from lrs.xapi.query import StatementQuery

    return {s.id for s in lrs.store.query_statements(StatementQuery(), 100, reach=EVERYTHING).statements}


def test_enforce_refuses_a_statement_naming_the_template_and_its_rule(lrs, tool, ann):
    assign(lrs.store, "notes-tool", JOURNAL, "enforce")
    agent = person_agent(lrs.config, "ann")
    assert tool.post("/xapi/statements", json=entry(agent)).status_code == 200
    response = tool.post("/xapi/statements", json=off_platform(agent, 2))
    assert response.status_code == 400
    body = response.get_json()
    assert ENTRY in body["message"] and "$.context.platform" in body["message"]
    assert "presence included, all [\"lrs-journal\"]" in body["message"] and '"a notes app"' in body["message"]
    assert body["location"] == "$.context.platform"
    # a statement of another kind matches none of the profile's templates: refused too
    other = entry(agent, 3, verb={"id": "http://adlnet.gov/expapi/verbs/attended"})
    response = tool.post("/xapi/statements", json=other)
    assert response.status_code == 400 and "matches no statement template" in response.get_json()["message"]
    # a batch with one such statement is refused whole
    response = tool.post("/xapi/statements", json=[entry(agent, 4), off_platform(agent, 5)])
    assert response.status_code == 400
    assert stored_ids(lrs) == {entry(agent)["id"]}
    assert findings_of(lrs.store, Access.operator()) == []  # enforce keeps nothing: the client was told


def test_enforce_follows_statement_refs_to_stored_statements(lrs, tool, ann):
    assign(lrs.store, "notes-tool", JOURNAL, "enforce")
    agent = person_agent(lrs.config, "ann")
    assert tool.post("/xapi/statements", json=entry(agent)).status_code == 200
    unassign(lrs.store, "notes-tool", JOURNAL)
    elsewhere = entry(agent, 2, object={"id": "https://example.org/course"}, context={"platform": "LMS"})
    assert tool.post("/xapi/statements", json=elsewhere).status_code == 200
    assign(lrs.store, "notes-tool", JOURNAL, "enforce")

    def voiding(n, target):
        return {"id": f"10000000-0000-4000-8000-{n:012d}", "actor": agent,
                "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
                "object": {"objectType": "StatementRef", "id": target}}

    response = tool.post("/xapi/statements", json=voiding(1, elsewhere["id"]))
    assert response.status_code == 400 and "matches none of " + ENTRY in response.get_json()["message"]
    assert tool.post("/xapi/statements", json=voiding(2, entry(agent)["id"])).status_code == 200


def test_report_stores_the_statement_and_keeps_the_findings_for_its_owner_and_the_operator(app, lrs, tool, ann):
    assign(lrs.store, "notes-tool", JOURNAL, "report")
    bob = create_person(lrs.store, lrs.config, "bob", PASSWORD)
    agent = person_agent(lrs.config, "ann")
    response = tool.post("/xapi/statements", json=[entry(agent), off_platform(agent, 2)])
    assert response.status_code == 200
    assert stored_ids(lrs) == {entry(agent)["id"], off_platform(agent, 2)["id"]}
    operator = findings_of(lrs.store, Access.operator())
    assert [i.body["statement"] for i in operator] == [off_platform(agent, 2)["id"]]
    assert operator[0].person_id == ann.id
    finding = operator[0].body["findings"][0]
    assert finding["mode"] == "report" and finding["outcome"] == "invalid" and finding["profile"] == JOURNAL
    assert finding["failures"][0]["location"] == "$.context.platform"
    assert finding["failures"][0]["template"] == ENTRY

    page = Browser(app).signin("ann").get("/space/profiles/findings").get_data(as_text=True)
    assert off_platform(agent, 2)["id"] in page and "$.context.platform" in page and "Learnfolio journal" in page
    assert entry(agent)["id"] not in page
    other = Browser(app).signin("bob").get("/space/profiles/findings").get_data(as_text=True)
    assert off_platform(agent, 2)["id"] not in other and 'id="no-findings"' in other
    assert findings_of(lrs.store, Access.for_person(lrs.store, bob)) == []


def test_report_of_a_statement_no_person_owns_is_the_operator_s(lrs, tool):
    assign(lrs.store, "notes-tool", JOURNAL, "report")
    stranger = {"objectType": "Agent", "mbox": "mailto:stranger@example.org"}
    assert tool.post("/xapi/statements", json=off_platform(stranger)).status_code == 200
    items = findings_of(lrs.store, Access.operator())
    assert [(i.person_id, i.body["statement"]) for i in items] == [(None, off_platform(stranger)["id"])]


def test_a_personal_key_can_be_held_to_a_profile(app, lrs, ann):
    key, secret = create_personal_key(lrs.store, lrs.config, ann, "my notes")
    own = XAPIClient(app.test_client(), auth_header(key.key, secret))
    assign(lrs.store, key.key, JOURNAL, "enforce")
    agent = person_agent(lrs.config, "ann")
    assert own.post("/xapi/statements", json=entry(agent)).status_code == 200
    assert own.post("/xapi/statements", json=off_platform(agent, 2)).status_code == 400
    assign(lrs.store, key.key, JOURNAL, "report")  # the mode can change; the cached registry follows
    assert own.post("/xapi/statements", json=off_platform(agent, 2)).status_code == 200
    assert [i.person_id for i in findings_of(lrs.store, Access.for_person(lrs.store, ann))] == [ann.id]
    # the assignment is the person's: erasing them removes it with their findings
    lrs.store.erase_person(ann.id, erased_home_page=lrs.config.erased_home_page)
    assert lrs.store.list_items(FINDINGS) == [] and lrs.store.list_items("profile-assignment") == []


@pytest.mark.parametrize("claims, status, kept", [("report", 200, 1), ("enforce", 400, 0), ("off", 200, 0)])
def test_a_statement_claiming_a_profile_is_checked_as_lrs_profile_claims_says(tmp_path, claims, status, kept):
    app = make_app(tmp_path, profile_claims=claims)
    lrs = app.extensions["lrs"]
    tool = XAPIClient(app.test_client(), add_credential(lrs.store, key="lms"))
    claimed = off_platform({"mbox": "mailto:x@example.org"})
    claimed["context"]["contextActivities"] = {"category": {"id": JOURNAL_V1}}  # a single object: normalised
    assert tool.post("/xapi/statements", json=claimed).status_code == status
    assert len(findings_of(lrs.store, Access.operator())) == kept
    unclaimed = off_platform({"mbox": "mailto:x@example.org"}, 10)
    assert tool.post("/xapi/statements", json=unclaimed).status_code == 200  # no claim, no assignment: unchecked
    assert len(findings_of(lrs.store, Access.operator())) == kept


def test_a_mistyped_claims_setting_stops_the_start(tmp_path):
    with pytest.raises(ValueError, match="LRS_PROFILE_CLAIMS"):
        make_app(tmp_path, profile_claims="strict")


def test_an_operator_s_profile_is_used_once_added_and_assigned(lrs, tool):
    doc = {
        "@context": "https://w3id.org/xapi/profiles/context", "id": "https://example.org/profiles/quiz",
        "type": "Profile", "conformsTo": "https://w3id.org/xapi/profiles#1.0",
        "prefLabel": {"en": "Quiz"}, "definition": {"en": "Quiz answers."},
        "versions": [{"id": "https://example.org/profiles/quiz/v1", "generatedAtTime": "2026-01-01T00:00:00Z"}],
        "author": {"type": "Organization", "name": "Example"},
        "templates": [{"id": "https://example.org/profiles/quiz/answered", "type": "StatementTemplate",
                       "inScheme": "https://example.org/profiles/quiz/v1", "prefLabel": {"en": "answered"},
                       "definition": {"en": "an answer"}, "verb": "http://adlnet.gov/expapi/verbs/answered",
                       "rules": [{"location": "$.result.success", "presence": "included"}]}]}
    add_profile(lrs.store, doc)
    assign(lrs.store, "notes-tool", "https://example.org/profiles/quiz/v1", "enforce")  # by a version id
    answer = {"actor": {"mbox": "mailto:q@example.org"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
              "object": {"id": "https://example.org/q/1"}}
    response = tool.post("/xapi/statements", json=answer)
    assert response.status_code == 400 and "https://example.org/profiles/quiz/answered" in response.get_json()["message"]
    assert tool.post("/xapi/statements", json={**answer, "result": {"success": True}}).status_code == 200


def test_findings_are_items_no_one_else_s_view_shows(lrs, ann):
    """An item of the findings kind made by hand for ann about a statement that is not hers is not shown."""
    lrs.store.put_item(Item(FINDINGS, "x", ann.id, {"statement": "00000000-0000-4000-8000-0000000000ff",
                                                    "findings": []}))
    assert findings_of(lrs.store, Access.for_person(lrs.store, ann)) == []


def test_a_stored_profile_that_no_longer_loads_does_not_stop_statements(lrs, tool, caplog):
    from lrs.profiles import PROFILE, _changed

    lrs.store.put_item(Item(PROFILE, "https://example.org/broken", None, {"document": {"type": "Profile"}}))
    _changed(lrs.store)
    assert tool.post("/xapi/statements", json=entry({"mbox": "mailto:x@example.org"})).status_code == 200
    assert "https://example.org/broken is not used" in caplog.text


def test_a_batch_reads_the_registry_once_and_still_sees_a_change(lrs, tool, ann, monkeypatch):
    """The registry is looked up once per request, not once per statement (for both hooks), and the
    next request sees an assignment made meanwhile."""
    from lrs import profiles

    agent = person_agent(lrs.config, "ann")
    asked = []
    real = lrs.store.change_token

    def change_token(name):
        asked.append(name)
        return real(name)

    monkeypatch.setattr(lrs.store, "change_token", change_token)
    batch = [off_platform(agent, n) for n in range(1, 21)]
    assert tool.post("/xapi/statements", json=batch).status_code == 200
    assert asked.count(profiles.CHANGES) == 1
    assign(lrs.store, "notes-tool", JOURNAL_V1, "enforce")
    assert tool.post("/xapi/statements", json=off_platform(agent, 30)).status_code == 400


def test_a_change_made_by_another_process_is_seen_on_the_next_request(app, lrs, tool, ann, tmp_path):
    """Each server process caches the registry; a change made in another process (another worker, the
    CLI) through its own store on the same file reaches this one's next request."""
    import subprocess
    import sys
    from pathlib import Path

    from lrs.profiles import CHANGES

    agent = person_agent(lrs.config, "ann")
    lrs.store.note_change(CHANGES)  # a change before: the one to come is not merely the first
    assert tool.post("/xapi/statements", json=off_platform(agent, 1)).status_code == 200  # cached now
    store_path = lrs.store.path
    subprocess.run([sys.executable, "-c",
                    "import sys; from lrs.store.sqlite import SQLiteStore; from lrs.profiles import assign;"
                    "assign(SQLiteStore(sys.argv[1]), 'notes-tool', sys.argv[2], 'enforce')",
                    store_path, JOURNAL_V1], check=True, cwd=Path(__file__).parents[2])
    assert tool.post("/xapi/statements", json=off_platform(agent, 2)).status_code == 400
