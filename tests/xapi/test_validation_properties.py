"""Property tests: every generated valid statement is accepted; every single-rule
mutation of one is rejected, with a location inside the statement."""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrs.errors import BadRequest
from lrs.xapi.validation import validate_statement
from tests.strategies import statements

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(statements())
def test_valid_statements_are_accepted_in_1_0_3(statement):
    validate_statement(statement, version="1.0.3")


@SETTINGS
@given(statements(v2=True))
def test_valid_statements_are_accepted_in_2_0(statement):
    validate_statement(statement, version="2.0.0")


def _objects(value, path=()):
    """Every (path, dict) in a statement outside extensions."""
    if isinstance(value, dict):
        yield path, value
        for key, child in value.items():
            if key != "extensions":
                yield from _objects(child, path + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _objects(child, path + (index,))


def add_unknown_property(s, data):
    """At any depth outside extensions: an unknown key, or a non-string in a language map."""
    places = [obj for _, obj in _objects(s)]
    data.draw(st.sampled_from(places))["unexpectedProperty"] = 1


def drop_actor_ifi(s, data):
    actor = s["actor"]
    for key in ("mbox", "mbox_sha1sum", "openid", "account"):
        actor.pop(key, None)
    actor.pop("member", None)


def second_ifi(s, data):
    s["actor"].update({"mbox": "mailto:second@example.org", "openid": "http://example.org/me"})


def bad_mbox(s, data):
    s["actor"] = {"mbox": "ada@example.org"}


def bad_language_tag(s, data):
    s["verb"]["display"] = {"not a tag!": "x"}


def scaled_out_of_range(s, data):
    s["result"] = {"score": {"scaled": data.draw(st.sampled_from([1.0001, -1.5, 7]))}}


def raw_above_max(s, data):
    s["result"] = {"score": {"min": 0, "max": 10, "raw": 11}}


def min_not_below_max(s, data):
    s["result"] = {"score": {"min": 5, "max": 5}}


def bad_uuid(s, data):
    s["id"] = data.draw(st.sampled_from(["not-a-uuid", "1234", "", "g" * 36]))


def bad_timestamp(s, data):
    s["timestamp"] = data.draw(st.sampled_from(["yesterday", "2026-13-01T00:00:00Z", "2026-01-01T00:00:00-00:00",
                                                "01/02/2026"]))


def revision_with_non_activity(s, data):
    s["object"] = {"objectType": "Agent", "mbox": "mailto:x@example.org"}
    s["context"] = {"revision": "1"}


def nested_substatement(s, data):
    inner = {"objectType": "SubStatement", "actor": {"mbox": "mailto:a@example.org"},
             "verb": {"id": "http://example.org/v"}, "object": {"id": "http://example.org/a"}}
    s["object"] = {**copy.deepcopy(inner), "object": inner}


def null_value(s, data):
    s[data.draw(st.sampled_from(["actor", "verb", "object", "result", "context", "timestamp"]))] = None


def wrong_object_type_case(s, data):
    s["object"] = {"objectType": "activity", "id": "http://example.org/a"}


def verb_without_id(s, data):
    s["verb"].pop("id")


def bad_iri(s, data):
    s["verb"]["id"] = data.draw(st.sampled_from(["not an iri", "", "example.org/no-scheme"]))


def bad_duration(s, data):
    s["result"] = {"duration": data.draw(st.sampled_from(["1 hour", "PT", "P4W1D", "PT1.5"]))}


def boolean_as_number(s, data):
    s["result"] = {"score": {"raw": True}}


def string_as_boolean(s, data):
    s["result"] = {"success": "true"}


def extension_key_not_iri(s, data):
    s["result"] = {"extensions": {"not an iri": 1}}


def group_member_is_group(s, data):
    s["actor"] = {"objectType": "Group", "member": [{"objectType": "Group", "member": [
        {"mbox": "mailto:a@example.org"}]}]}


def interaction_components_without_type(s, data):
    s["object"] = {"id": "http://example.org/a", "definition": {"choices": [{"id": "a"}]}}


def substatement_with_id(s, data):
    s["object"] = {"objectType": "SubStatement", "id": "5f0b8a9e-6d4b-4a2b-9c8e-2e5d8f1a1b2c",
                   "actor": {"mbox": "mailto:a@example.org"}, "verb": {"id": "http://example.org/v"},
                   "object": {"id": "http://example.org/a"}}


def attachment_without_sha2(s, data):
    s["attachments"] = [{"usageType": "http://example.org/u", "display": {"en": "x"}, "contentType": "text/plain",
                         "length": 1}]


def statement_ref_bad_id(s, data):
    s["object"] = {"objectType": "StatementRef", "id": "nope"}


MUTATIONS = [add_unknown_property, drop_actor_ifi, second_ifi, bad_mbox, bad_language_tag, scaled_out_of_range,
             raw_above_max, min_not_below_max, bad_uuid, bad_timestamp, revision_with_non_activity,
             nested_substatement, null_value, wrong_object_type_case, verb_without_id, bad_iri, bad_duration,
             boolean_as_number, string_as_boolean, extension_key_not_iri, group_member_is_group,
             interaction_components_without_type, substatement_with_id, attachment_without_sha2,
             statement_ref_bad_id]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.__name__)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(statement=statements(), data=st.data())
def test_each_single_rule_mutation_is_rejected(mutation, statement, data):
    mutated = copy.deepcopy(statement)
    mutation(mutated, data)
    with pytest.raises(BadRequest) as caught:
        validate_statement(mutated, version="1.0.3")
    assert caught.value.location.startswith("statement")


@settings(max_examples=50, deadline=None)
@given(statements(v2=True))
def test_2_0_context_agents_are_unknown_in_1_0_3(statement):
    if "contextAgents" in (statement.get("context") or {}) or "contextGroups" in (statement.get("context") or {}):
        with pytest.raises(BadRequest):
            validate_statement(statement, version="1.0.3")
