"""One example per rule: accepted when valid, rejected with the field's path when not."""

from __future__ import annotations

import pytest

from lrs.errors import BadRequest
from lrs.xapi.validation import validate_agent, validate_statement
from tests.conftest import statement


def rejected(body, version="1.0.3"):
    with pytest.raises(BadRequest) as caught:
        validate_statement(body, version=version)
    return caught.value


def test_the_minimal_statement_is_valid():
    validate_statement(statement())


@pytest.mark.parametrize("body,location,words", [
    (statement(actor={"mbox": "ada@example.org"}), "statement.actor.mbox", "mailto"),
    (statement(actor={"name": "nobody"}), "statement.actor", "exactly one"),
    (statement(actor={"mbox": "mailto:a@e.org", "openid": "http://e.org/a"}), "statement.actor", "exactly one"),
    (statement(actor={"objectType": "Group"}), "statement.actor", "anonymous Group"),
    (statement(actor={"objectType": "agent", "mbox": "mailto:a@e.org"}), "statement.actor.objectType", "Agent"),
    (statement(actor={"account": {"homePage": "http://e.org"}}), "statement.actor.account.name", "required"),
    (statement(verb={"display": {"en": "x"}}), "statement.verb.id", "required"),
    (statement(verb={"id": "x", "display": {"en": "x"}}), "statement.verb.id", "IRI"),
    (statement(verb={"id": "http://e.org/v", "display": {"en_US": "x"}}), "statement.verb.display.en_US", "RFC 5646"),
    (statement(object={"id": "http://e.org/a", "definition": {"interactionType": "essay"}}),
     "statement.object.definition.interactionType", "must be"),
    (statement(object={"id": "http://e.org/a", "definition": {"interactionType": "likert",
                                                              "choices": [{"id": "a"}]}}),
     "statement.object.definition.choices", "not allowed"),
    (statement(object={"id": "http://e.org/a", "definition": {"interactionType": "choice",
                                                              "choices": [{"id": "a"}, {"id": "a"}]}}),
     "statement.object.definition.choices", "unique"),
    (statement(object={"objectType": "StatementRef", "id": "x"}), "statement.object.id", "UUID"),
    (statement(result={"score": {"scaled": 1.5}}), "statement.result.score.scaled", "between -1 and 1"),
    (statement(result={"score": {"raw": 5, "max": 4}}), "statement.result.score.raw", "max"),
    (statement(result={"score": {"min": 4, "max": 4}}), "statement.result.score.min", "less than max"),
    (statement(result={"success": 1}), "statement.result.success", "true or false"),
    (statement(result={"score": {"raw": "5"}}), "statement.result.score.raw", "number"),
    (statement(context={"registration": "x"}), "statement.context.registration", "UUID"),
    (statement(context={"team": {"mbox": "mailto:a@e.org"}}), "statement.context.team.objectType", "Group"),
    (statement(context={"contextActivities": {"parent": [{"objectType": "Agent", "mbox": "mailto:a@e.org"}]}}),
     "statement.context.contextActivities.parent[0].objectType", "Activity"),
    (statement(context={"contextActivities": {"sibling": []}}), "statement.context.contextActivities.sibling",
     "not a property"),
    (statement(object={"objectType": "Agent", "mbox": "mailto:a@e.org"}, context={"platform": "web"}),
     "statement.context.platform", "Activity"),
    (statement(context={"language": "nope nope"}), "statement.context.language", "RFC 5646"),
    (statement(timestamp="2026-01-01 10:00"), "statement.timestamp", "ISO 8601"),
    (statement(version="2.0.0"), "statement.version", "1.0"),
    (statement(authority={"objectType": "Group", "mbox": "mailto:a@e.org"}), "statement.authority.member", "anonymous"),
    (statement(attachments=[{"usageType": "http://e.org/u", "display": {"en": "x"}, "contentType": "text/plain",
                             "length": -1, "sha2": "a" * 64}]), "statement.attachments[0].length", "negative"),
    (statement(result={"extensions": {"key": 1}}), "statement.result.extensions.key", "IRIs"),
    (statement(unknown=1), "statement.unknown", "not a property"),
    (statement(actor=None), "statement.actor", "null"),
    (statement(object={"objectType": "SubStatement", "actor": {"mbox": "mailto:a@e.org"},
                       "verb": {"id": "http://e.org/v"}, "object": {"id": "http://e.org/a"},
                       "stored": "2026-01-01T00:00:00Z"}), "statement.object.stored", "not a property"),
])
def test_rules(body, location, words):
    error = rejected(body)
    assert error.location == location, error.message
    assert words in error.message


def test_context_agents_only_in_2_0():
    body = statement(context={"contextAgents": [{"objectType": "contextAgent",
                                                 "agent": {"mbox": "mailto:a@e.org"},
                                                 "relevantTypes": ["http://e.org/t"]}]})
    validate_statement(body, version="2.0.0")
    assert rejected(body).location == "statement.context.contextAgents"
    body["context"]["contextAgents"][0]["relevantTypes"] = []
    assert rejected(body, "2.0.0").location.startswith("statement.context.contextAgents[0].relevantTypes")


def test_batch_location_names_the_position():
    with pytest.raises(BadRequest) as caught:
        validate_statement(statement(actor={}), location="statement[3]")
    assert caught.value.location.startswith("statement[3].actor")


def test_validate_agent():
    validate_agent({"mbox": "mailto:a@e.org"})
    with pytest.raises(BadRequest):
        validate_agent({"objectType": "Group", "mbox": "mailto:a@e.org"}, allow_group=False)
    with pytest.raises(BadRequest):
        validate_agent([])


def test_accepted_objects_are_remembered_but_never_accept_what_is_invalid():
    from lrs.xapi import validation

    body = statement()
    validate_statement(body)
    validate_statement(body)  # now from the memo
    assert validation._Accepted.key(validation._agent_schema, body["actor"]) in validation._accepted
    bad = statement(actor={**body["actor"], "openid": "http://example.org/second-ifi"})
    assert rejected(bad).location == "statement.actor"
    assert validation._Accepted.key(validation._agent_schema, bad["actor"]) not in validation._accepted


def test_the_memo_is_bounded():
    from lrs.xapi.validation import _Accepted

    memo = _Accepted(limit=3)
    for n in range(10):
        memo.add((1, str(n).encode()))
    assert len(memo.seen) <= 3
    assert None not in memo
