"""The fast path (lrs.xapi.fastcheck) in front of the marshmallow schemas changes nothing:
with it, validate_statement accepts and rejects exactly what the schemas alone do, with the
same error. It vouches only for statements the schemas accept, and it does vouch for every
valid statement the strategies draw (so real traffic takes it)."""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrs.errors import BadRequest
from lrs.xapi.validation import proves_valid
from lrs.xapi.validation import validate_statement, validate_statement_with_schemas
from tests.strategies import statements
from tests.xapi.test_validation_properties import MUTATIONS, V2_MUTATIONS

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VERSIONS = {"1.0.3": False, "2.0.0": True}


def outcome(validate, statement, version):
    try:
        validate(copy.deepcopy(statement), version=version)
    except BadRequest as error:
        return error.location, error.message
    return "accepted"


def assert_same_as_schemas(statement, version):
    by_schemas = outcome(validate_statement_with_schemas, statement, version)
    if proves_valid(copy.deepcopy(statement), VERSIONS[version]):
        assert by_schemas == "accepted", f"the fast path accepted what the schemas reject: {by_schemas}"
    assert outcome(validate_statement, statement, version) == by_schemas


@SETTINGS
@given(statements(exact=False), statements(v2=True, exact=False))
def test_the_fast_path_proves_every_valid_statement(statement_1_0_3, statement_2_0):
    assert proves_valid(statement_1_0_3, False)
    assert proves_valid(statement_2_0, True)
    validate_statement_with_schemas(statement_1_0_3, version="1.0.3")
    validate_statement_with_schemas(statement_2_0, version="2.0.0")


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.__name__)
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(statement=statements(exact=False), data=st.data())
def test_single_rule_mutations_are_left_to_the_schemas(mutation, statement, data):
    mutation(statement, data)
    assert not proves_valid(copy.deepcopy(statement), False)
    assert_same_as_schemas(statement, "1.0.3")


@pytest.mark.parametrize("mutation", V2_MUTATIONS, ids=lambda m: m.__name__)
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(statement=statements(v2=True, exact=False), data=st.data())
def test_single_rule_mutations_are_left_to_the_schemas_in_2_0(mutation, statement, data):
    mutation(statement, data)
    assert not proves_valid(copy.deepcopy(statement), True)
    assert_same_as_schemas(statement, "2.0.0")


# -- arbitrary edits: any value anywhere replaced, removed, or a property added ------------------

PROPERTY_NAMES = sorted({
    "id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version",
    "attachments", "objectType", "name", "mbox", "mbox_sha1sum", "openid", "account", "member", "homePage",
    "display", "definition", "description", "type", "moreInfo", "extensions", "interactionType",
    "correctResponsesPattern", "choices", "scale", "source", "target", "steps", "score", "scaled", "raw", "min",
    "max", "success", "completion", "response", "duration", "registration", "instructor", "team",
    "contextActivities", "parent", "grouping", "category", "other", "revision", "platform", "language",
    "statement", "contextAgents", "contextGroups", "agent", "group", "relevantTypes", "usageType",
    "contentType", "length", "sha2", "fileUrl", "unexpected", "en-US",
})
OBJECT_TYPES = ["Agent", "Group", "Activity", "StatementRef", "SubStatement", "contextAgent", "contextGroup",
                "agent", "", None]
SCALARS = [None, True, False, 0, 1, -1, 2, 0.5, -1.5, 10**20, 2**53 - 1, 2**53, float("inf"), float("nan"), "",
           "x", "1.0.3", "2.0.0", "1.0", "en-US", "not a tag!", "http://example.org/x", "http://adlnet.gov/expapi/verbs/voided",
           "mailto:a@example.org", "a" * 40, "a" * 64, "5f0b8a9e-6d4b-4a2b-9c8e-2e5d8f1a1b2c",
           "2026-01-01T00:00:00Z", "2026-01-01T00:00:00-00:00", "2015-06-30T23:59:60Z", "2015-06-30T12:00:60Z",
           "1.0.3-rc1", "2.0.0-rc1", "1.0.3-", "PT1H30M", "PT1.5H30M", "P" + "9" * 400 + "Y", "P999999999D",
           "P1000000000D", "choice", "likert", "contextAgent", "Group"]
VALUES = st.recursive(
    st.sampled_from(SCALARS),
    lambda children: st.lists(children, max_size=2) | st.dictionaries(st.sampled_from(PROPERTY_NAMES), children,
                                                                       max_size=2),
    max_leaves=4)


def _places(value, path=()):
    """Every (container, key) in a statement, extension values included."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield value, key
            yield from _places(child)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield value, index
            yield from _places(child)


def _containers(value):
    if isinstance(value, dict):
        yield value
    for container, key in _places(value):
        if isinstance(container[key], dict):
            yield container[key]


@st.composite
def edited(draw, v2):
    statement = draw(statements(v2=v2, exact=False))
    for _ in range(draw(st.integers(1, 3))):
        edit = draw(st.sampled_from(["replace", "remove", "add", "object type"]))
        places = list(_places(statement))
        if edit in ("replace", "remove") and places:
            container, key = draw(st.sampled_from(places))
            if edit == "remove":
                del container[key]
            else:
                container[key] = draw(VALUES)
        elif edit == "add":
            container = draw(st.sampled_from(list(_containers(statement))))
            container[draw(st.sampled_from(PROPERTY_NAMES))] = draw(VALUES)
        else:
            container = draw(st.sampled_from(list(_containers(statement))))
            container["objectType"] = draw(st.sampled_from(OBJECT_TYPES))
    return statement


@SETTINGS
@given(edited(v2=False))
def test_any_edit_is_judged_as_the_schemas_judge_it_in_1_0_3(statement):
    assert_same_as_schemas(statement, "1.0.3")


@SETTINGS
@given(edited(v2=True))
def test_any_edit_is_judged_as_the_schemas_judge_it_in_2_0(statement):
    assert_same_as_schemas(statement, "2.0.0")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(statements(v2=True, exact=False))
def test_2_0_statements_are_judged_alike_in_1_0_3(statement):
    assert_same_as_schemas(statement, "1.0.3")


def test_not_json_types_are_left_to_the_schemas():
    statement = {"actor": {"mbox": "mailto:a@example.org"}, "verb": {"id": "http://example.org/v"},
                 "object": {"id": "http://example.org/a"}}
    assert proves_valid(statement, False)
    assert not proves_valid({**statement, "attachments": ()}, False)
    assert not proves_valid([statement], False)
    for score in ({"raw": float("nan")}, {"scaled": float("nan")}, {"raw": float("nan"), "min": 0},
                  {"min": float("nan"), "max": 1}, {"raw": 10**30, "max": 1}):
        assert_same_as_schemas({**statement, "result": {"score": score}}, "1.0.3")
