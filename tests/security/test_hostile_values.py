"""Rule 8: hostile values cannot break anyone's pages.

A duration or a score whose value no float or timedelta can hold is refused when a
statement arrives (400 naming the field), and one stored before that rule (inserted
here straight into the store, as an old statement would be) still lets every page of
its owner answer 200. The space's pages run in process (Flask's test client): that is
the same code a real server runs.
"""

from __future__ import annotations

import pytest

from lrs.auth.personal import create_personal_key, person_agent
from lrs.xapi.datatypes import duration_seconds
from lrs.xapi.statements import prepare
from lrs.xapi.validation import validate_statement
from lrs.errors import BadRequest
from tests.conftest import XAPIClient, auth_header, statement
from tests.plugins.space.conftest import browser, people, space_app, space_store  # noqa: F401  (fixtures)

NINES = "9" * 400
HOSTILE_DURATIONS = [f"P{NINES}Y", f"PT{NINES}S", f"P{NINES}W", f"PT{NINES}.5S", "P" + "9" * 20 + "D"]
#: what the ADL conformance suite sends as valid durations, and some more: all must still pass
VALID_DURATIONS = ["PT1H0M0S", "PT4H35M59.14S", "PT16559.14S", "P3Y1M29DT4H35M59.14S", "P3Y", "P4W",
                   "P1DT12H36M0.12567S", "P1DT12H36M0.1237S", "PT1H30M", "P1Y2M", "PT0.01S", "PT0,5S",
                   "P10000Y", "PT2000000000S"]


def _stored_directly(store, config, username, result) -> str:
    """A statement of ``username`` put in the store without validation, as one stored before the rule."""
    body = statement(actor=person_agent(config, username), result=result,
                     timestamp="2026-03-10T09:00:00Z",
                     object={"id": "https://example.org/hostile", "definition": {"name": {"en": "Hostile one"}}})
    item = prepare(body, authority={"objectType": "Agent", "name": "old tool", "mbox": "mailto:old@example.org"},
                   authority_key=None, version="1.0.3", owners=None)
    [stored] = store.store_statements([item])
    return stored


@pytest.mark.parametrize("duration", HOSTILE_DURATIONS)
def test_duration_seconds_never_raises_and_is_finite_or_none(duration):
    seconds = duration_seconds(duration)
    assert seconds is None or seconds < 1e14


def test_pages_of_a_store_holding_an_old_hostile_statement_answer_200(space_app, space_store, people, browser):
    config = space_app.extensions["lrs"].config
    ids = [_stored_directly(space_store, config, "ann", {"duration": d}) for d in HOSTILE_DURATIONS]
    ids.append(_stored_directly(space_store, config, "ann", {"score": {"raw": 10 ** 300, "max": 10 ** 301}}))
    ids.append(_stored_directly(space_store, config, "ann", {"duration": "PT90M"}))
    b = browser().signin("ann")
    b.post("/space/goals", {"title": "Everything"}, token_from="/space/journal")
    goal = space_store.list_items("goal")[0]
    for sid in ids:
        b.post("/space/goals/link", {"goal": goal.item_id, "statement_id": sid}, token_from="/space/journal")
    b.post("/space/sharing", {"username": "bob", "all": "1"}, token_from="/space/journal")
    share = space_store.list_items("share")[0]
    paths = ["/space/", "/space/ways", "/space/ways?measure=minutes", "/space/goals", "/space/export.json",
             "/space/cpd/?period=all", "/space/cpd/export/csv?period=all"]
    paths += [f"/space/records/{sid}" for sid in ids] + [f"/space/cpd/records/{sid}" for sid in ids]
    failing = {path: status for path in paths if (status := b.get(path).status_code) != 200}
    assert not failing, "pages that did not answer 200: " + ", ".join(f"{p} {s}" for p, s in failing.items())
    page = b.get("/space/").get_data(as_text=True)
    assert "Hostile one" in page and "1 h 30 min" in page
    bob = browser().signin("bob")
    shared = [f"/space/shared/{share.item_id}/", f"/space/shared/{share.item_id}/records/{ids[0]}"]
    assert {path: status for path in shared if (status := bob.get(path).status_code) != 200} == {}


@pytest.fixture
def tool(space_app, space_store, people):
    credential, secret = create_personal_key(space_store, space_app.extensions["lrs"].config, people["ann"], "t")
    return XAPIClient(space_app.test_client(), auth_header(credential.key, secret))


@pytest.mark.parametrize("duration", HOSTILE_DURATIONS)
def test_hostile_durations_are_refused_naming_result_duration(space_app, tool, duration):
    ann = person_agent(space_app.extensions["lrs"].config, "ann")
    response = tool.post("/xapi/statements", json=statement(actor=ann, result={"duration": duration}))
    assert response.status_code == 400, response.json
    assert response.json["location"] == "statement[0].result.duration"
    assert "result.duration" in response.json["message"]
    sub = {"objectType": "SubStatement", "actor": ann, "verb": statement()["verb"],
           "object": {"id": "http://example.org/a"}, "result": {"duration": duration}}
    response = tool.post("/xapi/statements", json=statement(actor=ann, object=sub))
    assert response.status_code == 400 and response.json["location"] == "statement[0].object.result.duration"


@pytest.mark.parametrize("score,field", [
    ({"raw": 10 ** 300}, "raw"), ({"min": -(10 ** 30)}, "min"), ({"max": 2 ** 64}, "max"),
    ({"raw": 1e300, "max": 1e301}, "raw"), ({"raw": 0, "max": 10 ** 20}, "max"),
])
def test_absurd_scores_are_refused_naming_the_field(space_app, tool, score, field):
    ann = person_agent(space_app.extensions["lrs"].config, "ann")
    response = tool.post("/xapi/statements", json=statement(actor=ann, result={"score": score}))
    assert response.status_code == 400, response.json
    assert response.json["location"] == f"statement[0].result.score.{field}"


def test_non_finite_scores_are_refused_in_process():
    """JSON cannot carry NaN or Infinity (the parser refuses them); a plugin building a statement in
    Python can, so validation refuses them too."""
    for value in (float("nan"), float("inf"), float("-inf")):
        with pytest.raises(BadRequest) as error:
            validate_statement(statement(result={"score": {"raw": value}}))
        assert error.value.location == "statement.result.score.raw"


@pytest.mark.parametrize("duration", VALID_DURATIONS)
def test_valid_durations_are_still_accepted(space_app, tool, duration):
    ann = person_agent(space_app.extensions["lrs"].config, "ann")
    response = tool.post("/xapi/statements", json=statement(actor=ann, result={
        "duration": duration, "score": {"raw": 95, "min": 0, "max": 100, "scaled": 0.95},
        "extensions": {"http://example.org/big": 10 ** 30}}))
    assert response.status_code == 200, response.json


@pytest.mark.parametrize("hours", ["9" * 400, "1e999", "inf", "nan", "1" * 30])
def test_hostile_target_hours_are_refused_or_bounded_and_pages_still_answer(people, browser, hours):
    b = browser().signin("ann")
    goal = b.post("/space/goals", {"title": "Too much", "hours": hours}, token_from="/space/journal")
    assert goal.status_code in (302, 400)
    b.post("/space/cpd/settings", {"year_start": "01-01", "templates": "nursing"}, token_from="/space/journal")
    target = b.post("/space/cpd/settings", {"target_hours": hours, "year_start": "01-01", "templates": "nursing"},
                    token_from="/space/journal")
    assert target.status_code in (302, 400)
    pages = ["/space/goals", "/space/cpd/", "/space/cpd/export/pdf", "/space/cpd/export/csv",
             "/space/cpd/export/nursing"]
    failing = {path: status for path in pages if (status := b.get(path).status_code) != 200}
    assert not failing, "pages that did not answer 200: " + ", ".join(f"{p} {s}" for p, s in failing.items())
