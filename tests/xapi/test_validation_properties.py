"""Property tests: every generated valid statement is accepted; every single-rule mutation of
one is rejected, with the location of the field the mutation broke."""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lrs.errors import BadRequest
from lrs.xapi.validation import validate_statement
from tests.strategies import statements

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MUTATION_SETTINGS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LANGUAGE_MAP_KEYS = ("display", "name", "description")
IRI_KEYS = ("type", "moreInfo", "openid", "homePage", "usageType", "fileUrl")


@SETTINGS
@given(statements())
def test_valid_statements_are_accepted_in_1_0_3(statement):
    validate_statement(statement, version="1.0.3")


@SETTINGS
@given(statements(exact=False))
def test_valid_statements_in_every_accepted_form_are_accepted_in_1_0_3(statement):
    validate_statement(statement, version="1.0.3")


@SETTINGS
@given(statements(v2=True, exact=False))
def test_valid_statements_are_accepted_in_2_0(statement):
    validate_statement(statement, version="2.0.0")


@settings(max_examples=50, deadline=None)
@given(statements(v2=True))
def test_2_0_context_agents_are_unknown_in_1_0_3(statement):
    context = statement.get("context") or {}
    if "contextAgents" in context or "contextGroups" in context:
        with pytest.raises(BadRequest) as caught:
            validate_statement(statement, version="1.0.3")
        assert caught.value.location.endswith(("context.contextAgents", "context.contextGroups"))


# -- mutations: each breaks one rule and returns the location the error must name -------------------


def _path(parts) -> str:
    return "statement" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _objects(value, path=()):
    """Every (path, dict) in a statement outside extensions values."""
    if isinstance(value, dict):
        yield path, value
        for key, child in value.items():
            if key != "extensions":
                yield from _objects(child, path + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _objects(child, path + (index,))


def _pick(data, choices):
    assume(choices)
    return data.draw(st.sampled_from(choices))


def unknown_property_at_any_depth(s, data):
    path, obj = _pick(data, list(_objects(s)))
    obj["unexpectedProperty"] = 1
    return _path(path + ("unexpectedProperty",))


def null_at_any_depth(s, data):
    places = [(path, obj, key) for path, obj in _objects(s) for key in obj if key != "extensions"]
    path, obj, key = _pick(data, places)
    obj[key] = None
    return _path(path + (key,))


def wrong_object_type_case(s, data):
    path, obj = _pick(data, [(p, o) for p, o in _objects(s) if isinstance(o.get("objectType"), str)])
    obj["objectType"] = obj["objectType"].swapcase()
    return _path(path + ("objectType",))


def bad_language_tag(s, data):
    maps = [(p + (k,), o[k]) for p, o in _objects(s) for k in LANGUAGE_MAP_KEYS
            if isinstance(o.get(k), dict) and p[-1:] != ("account",)]
    path, language_map = _pick(data, maps)
    tag = data.draw(st.sampled_from(["en_US", "english!", "", "en--US", "a", "123", "en-", "x"]))
    language_map[tag] = "text"
    return _path(path + (tag,))


def bad_iri(s, data):
    places = [(p, o, k) for p, o in _objects(s) for k in IRI_KEYS if isinstance(o.get(k), str)]
    path, obj, key = _pick(data, places + [(("verb",), s["verb"], "id")])
    obj[key] = data.draw(st.sampled_from(["not an iri", "", "example.org/no-scheme", "://x"]))
    return _path(path + (key,))


def drop_actor_ifi(s, data):
    for key in ("mbox", "mbox_sha1sum", "openid", "account", "member"):
        s["actor"].pop(key, None)
    return "statement.actor"


def second_ifi(s, data):
    s["actor"].update({"mbox": "mailto:second@example.org", "openid": "http://example.org/me"})
    return "statement.actor"


def bad_mbox(s, data):
    s["actor"] = {"mbox": data.draw(st.sampled_from(["ada@example.org", "mailto:ada", "mailto:", "MAILTO"]))}
    return "statement.actor.mbox"


def bad_mbox_sha1sum(s, data):
    s["actor"] = {"mbox_sha1sum": data.draw(st.sampled_from(["a" * 39, "g" * 40, "", "a" * 64]))}
    return "statement.actor.mbox_sha1sum"


def anonymous_group_without_members(s, data):
    s["actor"] = {"objectType": "Group", **data.draw(st.sampled_from([{}, {"member": []}, {"name": "g"}]))}
    return "statement.actor"


def group_member_is_group(s, data):
    s["actor"] = {"objectType": "Group", "member": [{"objectType": "Group", "member": [
        {"mbox": "mailto:a@example.org"}]}]}
    return "statement.actor.member[0].objectType"


def team_is_not_a_group(s, data):
    s.setdefault("context", {})["team"] = {"mbox": "mailto:a@example.org"}
    return "statement.context.team.objectType"


def verb_without_id(s, data):
    s["verb"].pop("id")
    return "statement.verb.id"


def scaled_out_of_range(s, data):
    s["result"] = {"score": {"scaled": data.draw(st.sampled_from([1.0001, -1.5, 7]))}}
    return "statement.result.score.scaled"


def raw_above_max(s, data):
    s["result"] = {"score": {"min": 0, "max": 10, "raw": data.draw(st.sampled_from([11, 10.001]))}}
    return "statement.result.score.raw"


def raw_below_min(s, data):
    s["result"] = {"score": {"min": 0, "raw": -0.5}}
    return "statement.result.score.raw"


def min_not_below_max(s, data):
    s["result"] = {"score": {"min": 5, "max": data.draw(st.sampled_from([5, 4.5]))}}
    return "statement.result.score.min"


def boolean_as_number(s, data):
    s["result"] = {"score": {"raw": True}}
    return "statement.result.score.raw"


def string_as_number(s, data):
    s["result"] = {"score": {"scaled": "0.5"}}
    return "statement.result.score.scaled"


def string_as_boolean(s, data):
    key = data.draw(st.sampled_from(["success", "completion"]))
    s["result"] = {key: "true"}
    return f"statement.result.{key}"


def bad_duration(s, data):
    s["result"] = {"duration": data.draw(st.sampled_from(["1 hour", "PT", "P", "P4W1D", "PT1.5", "PT1.5H30M"]))}
    return "statement.result.duration"


def duration_too_long(s, data):
    s["result"] = {"duration": data.draw(st.sampled_from(["P" + "9" * 400 + "Y", "PT" + "9" * 30 + "S",
                                                          "P1000000000D", "P" + "9" * 40 + "W"]))}
    return "statement.result.duration"


def score_beyond_a_double(s, data):
    key = data.draw(st.sampled_from(["raw", "min", "max"]))
    s["result"] = {"score": {key: data.draw(st.sampled_from([2 ** 53, -(10 ** 400), 1e300, -1e20]))}}
    return f"statement.result.score.{key}"


def extension_key_not_iri(s, data):
    where = data.draw(st.sampled_from(["result", "context"]))
    if where == "context" and isinstance(s["object"], dict):
        s["context"] = {"extensions": {"not an iri": 1}}
    else:
        where = "result"
        s["result"] = {"extensions": {"not an iri": 1}}
    return f"statement.{where}.extensions.not an iri"


def bad_statement_id(s, data):
    s["id"] = data.draw(st.sampled_from(["not-a-uuid", "1234", "", "g" * 36, "5f0b8a9e6d4b4a2b9c8e2e5d8f1a1b2c"]))
    return "statement.id"


def bad_registration(s, data):
    s["context"] = {"registration": "not-a-uuid"}
    return "statement.context.registration"


def statement_ref_bad_id(s, data):
    s["object"] = {"objectType": "StatementRef", "id": "nope"}
    return "statement.object.id"


def bad_timestamp(s, data):
    s["timestamp"] = data.draw(st.sampled_from(["yesterday", "2026-13-01T00:00:00Z", "2026-01-01T00:00:00-00:00",
                                                "2026-01-01T00:00:00-0000", "2026-01-01T00:00:00-00",
                                                "01/02/2026", "2026-01-01", "", "2015-06-30T12:00:60Z",
                                                "2015-06-15T23:59:60Z", "2015-06-30T23:59:61Z"]))
    return "statement.timestamp"


def bad_version(s, data):
    s["version"] = data.draw(st.sampled_from(["0.95", "1.1.0", "2.0.0", "1", "", "1.0.x", "2.0.0-rc1", "1.0.3-",
                                              "1.0.3-01", "1.0-rc1", "1.0.3+", "1.1.0-rc1"]))
    return "statement.version"


def revision_with_non_activity(s, data):
    s["object"] = data.draw(st.sampled_from([{"objectType": "Agent", "mbox": "mailto:x@example.org"},
                                             {"objectType": "StatementRef",
                                              "id": "5f0b8a9e-6d4b-4a2b-9c8e-2e5d8f1a1b2c"}]))
    key = data.draw(st.sampled_from(["revision", "platform"]))
    s["context"] = {key: "1"}
    return f"statement.context.{key}"


def nested_substatement(s, data):
    inner = {"objectType": "SubStatement", "actor": {"mbox": "mailto:a@example.org"},
             "verb": {"id": "http://example.org/v"}, "object": {"id": "http://example.org/a"}}
    s["object"] = {**copy.deepcopy(inner), "object": inner}
    return "statement.object.object.objectType"


def substatement_with_statement_only_property(s, data):
    key, value = data.draw(st.sampled_from([("id", "5f0b8a9e-6d4b-4a2b-9c8e-2e5d8f1a1b2c"),
                                            ("stored", "2026-01-01T00:00:00Z"), ("version", "1.0.3"),
                                            ("authority", {"mbox": "mailto:a@example.org"})]))
    s["object"] = {"objectType": "SubStatement", key: value, "actor": {"mbox": "mailto:a@example.org"},
                   "verb": {"id": "http://example.org/v"}, "object": {"id": "http://example.org/a"}}
    return f"statement.object.{key}"


def voiding_without_statement_ref(s, data):
    s["verb"] = {"id": "http://adlnet.gov/expapi/verbs/voided"}
    s["object"] = {"id": "http://example.org/a"}
    return "statement.object.objectType"


def interaction_components_without_type(s, data):
    s["object"] = {"id": "http://example.org/a", "definition": {"choices": [{"id": "a"}]}}
    return "statement.object.definition.choices"


def components_for_another_interaction_type(s, data):
    kind, prop = data.draw(st.sampled_from([("likert", "choices"), ("choice", "scale"), ("true-false", "steps"),
                                            ("matching", "choices"), ("other", "source")]))
    s["object"] = {"id": "http://example.org/a", "definition": {"interactionType": kind, prop: [{"id": "a"}]}}
    return f"statement.object.definition.{prop}"


def duplicate_component_ids(s, data):
    s["object"] = {"id": "http://example.org/a", "definition": {
        "interactionType": "choice", "choices": [{"id": "a"}, {"id": "b"}, {"id": "a"}]}}
    return "statement.object.definition.choices"


def bad_interaction_type(s, data):
    s["object"] = {"id": "http://example.org/a", "definition": {
        "interactionType": data.draw(st.sampled_from(["essay", "Choice", "truefalse", ""]))}}
    return "statement.object.definition.interactionType"


def attachment_missing_property(s, data):
    attachment = {"usageType": "http://example.org/u", "display": {"en": "x"}, "contentType": "text/plain",
                  "length": 1, "sha2": "a" * 64}
    key = data.draw(st.sampled_from(sorted(attachment)))
    del attachment[key]
    s["attachments"] = [attachment]
    return f"statement.attachments[0].{key}"


def attachment_bad_length(s, data):
    s["attachments"] = [{"usageType": "http://example.org/u", "display": {"en": "x"}, "contentType": "text/plain",
                         "length": data.draw(st.sampled_from([-1, 1.5, "1", True, 2 ** 53])), "sha2": "a" * 64}]
    return "statement.attachments[0].length"


def context_agents_in_1_0_3(s, data):
    s["context"] = {"contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:a@example.org"}}]}
    return "statement.context.contextAgents"


MUTATIONS = [unknown_property_at_any_depth, null_at_any_depth, wrong_object_type_case, bad_language_tag, bad_iri,
             drop_actor_ifi, second_ifi, bad_mbox, bad_mbox_sha1sum, anonymous_group_without_members,
             group_member_is_group, team_is_not_a_group, verb_without_id, scaled_out_of_range, raw_above_max,
             raw_below_min, min_not_below_max, boolean_as_number, string_as_number, string_as_boolean,
             bad_duration, duration_too_long, score_beyond_a_double, extension_key_not_iri, bad_statement_id, bad_registration, statement_ref_bad_id,
             bad_timestamp, bad_version, revision_with_non_activity, nested_substatement,
             substatement_with_statement_only_property, voiding_without_statement_ref,
             interaction_components_without_type, components_for_another_interaction_type,
             duplicate_component_ids, bad_interaction_type, attachment_missing_property, attachment_bad_length,
             context_agents_in_1_0_3]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.__name__)
@MUTATION_SETTINGS
@given(statement=statements(exact=False), data=st.data())
def test_each_single_rule_mutation_is_rejected(mutation, statement, data):
    mutated = copy.deepcopy(statement)
    location = mutation(mutated, data)
    with pytest.raises(BadRequest) as caught:
        validate_statement(mutated, version="1.0.3")
    assert caught.value.location == location, caught.value.message
    assert caught.value.message.startswith(location + ":")


# -- 2.0 mutations ------------------------------------------------------------------------------------


def empty_relevant_types(s, data):
    key, item = data.draw(st.sampled_from([
        ("contextAgents", {"objectType": "contextAgent", "agent": {"mbox": "mailto:a@example.org"}}),
        ("contextGroups", {"objectType": "contextGroup", "group": {"objectType": "Group",
                                                                   "mbox": "mailto:g@example.org"}})]))
    s["context"] = {key: [{**item, "relevantTypes": []}]}
    return f"statement.context.{key}[0].relevantTypes"


def context_agent_is_a_group(s, data):
    s["context"] = {"contextAgents": [{"objectType": "contextAgent", "agent": {"objectType": "Group",
                                                                               "mbox": "mailto:g@example.org"}}]}
    return "statement.context.contextAgents[0].agent.objectType"


def context_group_is_an_agent(s, data):
    s["context"] = {"contextGroups": [{"objectType": "contextGroup", "group": {"mbox": "mailto:a@example.org"}}]}
    return "statement.context.contextGroups[0].group.objectType"


def negative_zero_offset(s, data):
    s["timestamp"] = "2008-09-15T15:53:00.601" + data.draw(st.sampled_from(["-00", "-0000", "-00:00"]))
    return "statement.timestamp"


def version_beyond_2_0(s, data):
    s["version"] = data.draw(st.sampled_from(["2.1.0", "3.0.0", "0.9", "2.1.0-rc1", "2.0.0-"]))
    return "statement.version"


V2_MUTATIONS = [empty_relevant_types, context_agent_is_a_group, context_group_is_an_agent, negative_zero_offset,
                version_beyond_2_0, unknown_property_at_any_depth, null_at_any_depth, wrong_object_type_case,
                bad_language_tag, revision_with_non_activity, nested_substatement]


@pytest.mark.parametrize("mutation", V2_MUTATIONS, ids=lambda m: m.__name__)
@MUTATION_SETTINGS
@given(statement=statements(v2=True, exact=False), data=st.data())
def test_each_single_rule_mutation_is_rejected_in_2_0(mutation, statement, data):
    mutated = copy.deepcopy(statement)
    location = mutation(mutated, data)
    with pytest.raises(BadRequest) as caught:
        validate_statement(mutated, version="2.0.0")
    assert caught.value.location == location, caught.value.message
