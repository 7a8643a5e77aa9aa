"""One example per rule: accepted when valid, rejected with the field's path and the rule when not."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from lrs.errors import BadRequest
from lrs.xapi.validation import (
    is_iri,
    parse_timestamp,
    proves_valid,
    validate_activity_id,
    validate_agent,
    validate_statement,
    validate_statement_with_schemas,
    validate_uuid,
)
from tests.conftest import statement

UUID = "5f0b8a9e-6d4b-4a2b-9c8e-2e5d8f1a1b2c"
MBOX = {"mbox": "mailto:a@example.org"}
ACTIVITY = {"objectType": "Activity", "id": "http://example.org/a"}
GROUP = {"objectType": "Group", "name": "G", "member": [MBOX, {"openid": "http://example.org/o"}]}
ATTACHMENT = {"usageType": "http://example.org/u", "display": {"en": "x"}, "contentType": "text/plain",
              "length": 10, "sha2": "a" * 64}


def rejected(body, version="1.0.3"):
    with pytest.raises(BadRequest) as caught:
        validate_statement(body, version=version)
    return caught.value


def sub(**overrides):
    body = {"objectType": "SubStatement", "actor": MBOX, "verb": {"id": "http://example.org/v"},
            "object": ACTIVITY}
    body.update(overrides)
    return body


def definition(**props):
    return statement(object={"id": "http://example.org/a", "definition": props})


def full_statement(v2=False):
    context = {
        "registration": UUID, "instructor": {"objectType": "Agent", "account": {
            "homePage": "http://example.org", "name": "teacher"}},
        "team": GROUP,
        "contextActivities": {"parent": ACTIVITY, "grouping": [ACTIVITY], "category": [
            {"id": "http://example.org/c", "definition": {"type": "http://example.org/t"}}], "other": []},
        "revision": "r1", "platform": "web", "language": "en-US",
        "statement": {"objectType": "StatementRef", "id": UUID},
        "extensions": {"http://example.org/x": None, "urn:x:y": {"any": ["json", 1, None]}},
    }
    if v2:
        context["contextAgents"] = [{"objectType": "contextAgent", "agent": MBOX,
                                     "relevantTypes": ["http://example.org/t"]}]
        context["contextGroups"] = [{"objectType": "contextGroup", "group": GROUP}]
    return statement(
        id=UUID.upper(),
        object={"objectType": "Activity", "id": "http://example.org/q", "definition": {
            "name": {"en": "Q"}, "description": {"en-GB": "d", "zh-Hant-TW": "d"},
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction", "moreInfo": "https://example.org/m",
            "interactionType": "matching", "correctResponsesPattern": ["a[.]b"],
            "source": [{"id": "a", "description": {"en": "A"}}], "target": [{"id": "b"}],
            "extensions": {"http://example.org/e": 1}}},
        result={"score": {"scaled": -1, "raw": 0, "min": -5, "max": 5.5}, "success": False, "completion": True,
                "response": "a[.]b", "duration": "P1DT12H36M0.12567S", "extensions": {"http://example.org/r": []}},
        context=context,
        timestamp="2026-01-02T03:04:05.678+05:30",
        stored="2026-01-02T03:04:05Z",
        authority={"objectType": "Group", "member": [
            {"account": {"homePage": "http://lrs.example.org", "name": "app"}}, MBOX]},
        version="2.0.0" if v2 else "1.0.3",
        attachments=[{**ATTACHMENT, "description": {"en": "y"}, "fileUrl": "https://example.org/f"}],
    )


# -- accepted -----------------------------------------------------------------------------------


def test_the_minimal_statement_is_valid():
    validate_statement(statement())


def test_a_statement_with_every_property_is_valid():
    validate_statement(full_statement())
    validate_statement(full_statement(v2=True), version="2.0.0")
    validate_statement(full_statement(v2=True), version="2.0.1")


@pytest.mark.parametrize("body", [
    statement(actor={"mbox": "mailto:a@example.org"}),
    statement(actor={"mbox_sha1sum": "ABCDEF0123456789abcdef0123456789abcdef01"}),
    statement(actor={"openid": "http://example.org/me"}),
    statement(actor={"account": {"homePage": "http://example.org", "name": "a"}}),
    statement(actor={"objectType": "Group", "mbox": "mailto:g@example.org"}),
    statement(actor={"objectType": "Group", "mbox": "mailto:g@example.org", "member": []}),
    statement(actor=GROUP),
    statement(object={"objectType": "Agent", **MBOX}),
    statement(object=GROUP),
    statement(object={"objectType": "StatementRef", "id": UUID}),
    statement(object=sub(result={"success": True}, context={"revision": "2"}, timestamp="2026-01-01T00:00:00Z",
                         attachments=[ATTACHMENT])),
    statement(object=sub(object={"objectType": "StatementRef", "id": UUID})),
    statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
              object={"objectType": "StatementRef", "id": UUID}),
    statement(object={"id": "urn:example:a"}),
    statement(context={"contextActivities": {}}),
    statement(version="1.0"), statement(version="1.0.0"), statement(version="1.0.9"),
    statement(timestamp="2026-01-02T03:04:05+00:00"), statement(timestamp="2026-01-02T03:04:05.123456789Z"),
    statement(timestamp="2026-01-02T03:04:05"),  # no offset: read as UTC (a SHOULD, not a MUST)
    statement(result={"duration": "P4W"}), statement(result={"duration": "PT0.5S"}),
    statement(result={"score": {"raw": 5, "min": 5, "max": 5.1}}),
    statement(result={"extensions": {}}),
    statement(verb={"id": "http://example.org/v", "display": {"i-klingon": "x", "x-private": "y",
                                                              "sl-rozaj-biske": "z", "de-CH-1996": "w"}}),
] + [definition(interactionType=kind, correctResponsesPattern=[]) for kind in (
    "true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing", "likert",
    "numeric", "other")] + [
    definition(interactionType="choice", choices=[{"id": "a"}, {"id": "b", "description": {"en": "B"}}]),
    definition(interactionType="sequencing", choices=[{"id": "a"}]),
    definition(interactionType="likert", scale=[{"id": "1"}]),
    definition(interactionType="performance", steps=[{"id": "1"}]),
    definition(interactionType="matching", source=[{"id": "a"}], target=[{"id": "a"}]),
])
def test_valid(body):
    validate_statement(body)
    validate_statement(body, version="2.0.0")


# -- rejected, one rule each ----------------------------------------------------------------------

RULES = [
    # statement
    (statement(unknown=1), "statement.unknown", "unknown property 'unknown'"),
    (statement(objectType="Statement"), "statement.objectType", "unknown property"),
    ({"verb": {"id": "http://e.org/v"}, "object": ACTIVITY}, "statement.actor", "required"),
    ({"actor": MBOX, "object": ACTIVITY}, "statement.verb", "required"),
    ({"actor": MBOX, "verb": {"id": "http://e.org/v"}}, "statement.object", "required"),
    (statement(id="not-a-uuid"), "statement.id", "UUID"),
    (statement(id=UUID + "0"), "statement.id", "UUID"),
    (statement(id=""), "statement.id", "UUID"),
    (statement(id=None), "statement.id", "null is not allowed"),
    # actor: agents and IFIs
    (statement(actor={"mbox": "ada@example.org"}), "statement.actor.mbox", "mailto"),
    (statement(actor={"mbox": "mailto:ada"}), "statement.actor.mbox", "mailto"),
    (statement(actor={"mbox_sha1sum": "a" * 39}), "statement.actor.mbox_sha1sum", "SHA-1"),
    (statement(actor={"mbox_sha1sum": "g" * 40}), "statement.actor.mbox_sha1sum", "SHA-1"),
    (statement(actor={"openid": "example.org/me"}), "statement.actor.openid", "IRI"),
    (statement(actor={"account": {"homePage": "example.org", "name": "a"}}), "statement.actor.account.homePage",
     "IRI"),
    (statement(actor={"account": {"homePage": "http://e.org"}}), "statement.actor.account.name", "required"),
    (statement(actor={"account": {"homePage": "http://e.org", "name": 7}}), "statement.actor.account.name",
     "string"),
    (statement(actor={"account": {"homePage": "http://e.org", "name": "a", "x": 1}}),
     "statement.actor.account.x", "unknown property"),
    (statement(actor={"name": "nobody"}), "statement.actor", "exactly one"),
    (statement(actor={"mbox": "mailto:a@e.org", "openid": "http://e.org/a"}), "statement.actor", "exactly one"),
    (statement(actor={"objectType": "agent", "mbox": "mailto:a@e.org"}), "statement.actor.objectType", "Agent"),
    (statement(actor={"objectType": "Person", "mbox": "mailto:a@e.org"}), "statement.actor.objectType", "Agent"),
    (statement(actor={"mbox": "mailto:a@e.org", "name": ["Ada"]}), "statement.actor.name", "string"),
    (statement(actor=[MBOX]), "statement.actor", "object"),
    (statement(actor=None), "statement.actor", "null is not allowed"),
    # actor: groups
    (statement(actor={"objectType": "Group"}), "statement.actor", "anonymous Group"),
    (statement(actor={"objectType": "Group", "member": []}), "statement.actor", "anonymous Group"),
    (statement(actor={"objectType": "group", **MBOX}), "statement.actor.objectType", "Group"),
    (statement(actor={"objectType": "Group", "mbox": "mailto:g@e.org", "openid": "http://e.org/g"}),
     "statement.actor", "at most one"),
    (statement(actor={"objectType": "Group", "member": [GROUP]}), "statement.actor.member[0].objectType",
     "Agent"),
    (statement(actor={"objectType": "Group", "member": [MBOX, {"name": "x"}]}), "statement.actor.member[1]",
     "exactly one"),
    (statement(actor={"objectType": "Group", "member": MBOX}), "statement.actor.member", "array"),
    (statement(actor={"objectType": "Group", "member": [None]}), "statement.actor.member[0]", "object"),
    # verb
    (statement(verb={"display": {"en": "x"}}), "statement.verb.id", "required"),
    (statement(verb={"id": "x", "display": {"en": "x"}}), "statement.verb.id", "IRI"),
    (statement(verb={"id": ""}), "statement.verb.id", "IRI"),
    (statement(verb={"id": "http://e.org/v", "display": {"en_US": "x"}}), "statement.verb.display.en_US",
     "RFC 5646"),
    (statement(verb={"id": "http://e.org/v", "display": {"en": 1}}), "statement.verb.display.en", "string"),
    (statement(verb={"id": "http://e.org/v", "display": {"en": None}}), "statement.verb.display.en", "string"),
    (statement(verb={"id": "http://e.org/v", "display": "done"}), "statement.verb.display", "language map"),
    (statement(verb={"id": "http://e.org/v", "name": "done"}), "statement.verb.name", "unknown property"),
    # object: activities
    (statement(object={"objectType": "activity", "id": "http://e.org/a"}), "statement.object.objectType",
     "must be"),
    (statement(object={"objectType": "Thing", "id": "http://e.org/a"}), "statement.object.objectType", "must be"),
    (statement(object={"objectType": None, "id": "http://e.org/a"}), "statement.object.objectType", "null"),
    (statement(object={"objectType": "Activity"}), "statement.object.id", "required"),
    (statement(object={"id": "not an iri"}), "statement.object.id", "IRI"),
    (statement(object=MBOX), "statement.object.id", "required"),  # an Agent object needs its objectType
    (definition(name={"e": "x"}), "statement.object.definition.name.e", "RFC 5646"),
    (definition(description="x"), "statement.object.definition.description", "language map"),
    (definition(type="cmi.interaction"), "statement.object.definition.type", "IRI"),
    (definition(moreInfo="www.example.org"), "statement.object.definition.moreInfo", "IRI"),
    (definition(extensions={"x": 1}), "statement.object.definition.extensions.x", "IRIs"),
    (definition(extensions=[1]), "statement.object.definition.extensions", "object"),
    (definition(color="red"), "statement.object.definition.color", "unknown property"),
    (definition(interactionType="essay"), "statement.object.definition.interactionType", "must be"),
    (definition(interactionType="Choice"), "statement.object.definition.interactionType", "must be"),
    (definition(interactionType="choice", correctResponsesPattern="a"),
     "statement.object.definition.correctResponsesPattern", "array"),
    (definition(interactionType="choice", correctResponsesPattern=[1]),
     "statement.object.definition.correctResponsesPattern[0]", "string"),
    (definition(correctResponsesPattern=["a"]), "statement.object.definition.correctResponsesPattern",
     "interactionType"),
    (definition(choices=[{"id": "a"}]), "statement.object.definition.choices", "interactionType"),
    (definition(interactionType="likert", choices=[{"id": "a"}]), "statement.object.definition.choices",
     "not allowed"),
    (definition(interactionType="choice", scale=[{"id": "a"}]), "statement.object.definition.scale",
     "not allowed"),
    (definition(interactionType="true-false", steps=[{"id": "a"}]), "statement.object.definition.steps",
     "not allowed"),
    (definition(interactionType="choice", choices=[{"id": "a"}, {"id": "a"}]),
     "statement.object.definition.choices", "unique"),
    (definition(interactionType="choice", choices=[{"description": {"en": "a"}}]),
     "statement.object.definition.choices[0].id", "required"),
    (definition(interactionType="choice", choices=[{"id": 1}]), "statement.object.definition.choices[0].id",
     "string"),
    (definition(interactionType="choice", choices=[{"id": "a", "description": {"en us": "a"}}]),
     "statement.object.definition.choices[0].description.en us", "RFC 5646"),
    (definition(interactionType="choice", choices=[{"id": "a", "label": "a"}]),
     "statement.object.definition.choices[0].label", "unknown property"),
    # object: statement references and substatements
    (statement(object={"objectType": "StatementRef", "id": "x"}), "statement.object.id", "UUID"),
    (statement(object={"objectType": "StatementRef"}), "statement.object.id", "required"),
    (statement(object={"objectType": "StatementRef", "id": UUID, "definition": {}}),
     "statement.object.definition", "unknown property"),
    (statement(object=sub(id=UUID)), "statement.object.id", "SubStatement may not have 'id'"),
    (statement(object=sub(stored="2026-01-01T00:00:00Z")), "statement.object.stored", "SubStatement may not"),
    (statement(object=sub(version="1.0.3")), "statement.object.version", "SubStatement may not"),
    (statement(object=sub(authority=MBOX)), "statement.object.authority", "SubStatement may not"),
    (statement(object=sub(object=sub())), "statement.object.object.objectType", "another SubStatement"),
    (statement(object=sub(actor={"name": "x"})), "statement.object.actor", "exactly one"),
    (statement(object=sub(verb={"id": "v"})), "statement.object.verb.id", "IRI"),
    (statement(object={k: v for k, v in sub().items() if k != "verb"}), "statement.object.verb", "required"),
    (statement(object=sub(object=MBOX, context={"platform": "x"})), "statement.object.object.id", "required"),
    (statement(object=sub(object={"objectType": "Agent", **MBOX}, context={"revision": "x"})),
     "statement.object.context.revision", "not an Activity"),
    (statement(object=sub(timestamp="now")), "statement.object.timestamp", "ISO 8601"),
    # voiding
    (statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"}), "statement.object.objectType",
     "StatementRef"),
    # result
    (statement(result={"score": {"scaled": 1.5}}), "statement.result.score.scaled", "between -1 and 1"),
    (statement(result={"score": {"scaled": -1.01}}), "statement.result.score.scaled", "between -1 and 1"),
    (statement(result={"score": {"raw": 5, "max": 4}}), "statement.result.score.raw", "max"),
    (statement(result={"score": {"raw": 3, "min": 4}}), "statement.result.score.raw", "min"),
    (statement(result={"score": {"min": 4, "max": 4}}), "statement.result.score.min", "less than max"),
    (statement(result={"score": {"min": 5, "max": 4}}), "statement.result.score.min", "less than max"),
    (statement(result={"score": {"raw": "5"}}), "statement.result.score.raw", "number"),
    (statement(result={"score": {"raw": True}}), "statement.result.score.raw", "not a boolean"),
    (statement(result={"score": {"max": None}}), "statement.result.score.max", "null is not allowed"),
    (statement(result={"score": None}), "statement.result.score", "null is not allowed"),
    (statement(result={"score": 0.5}), "statement.result.score", "object"),
    (statement(result={"score": {"percent": 50}}), "statement.result.score.percent", "unknown property"),
    (statement(result={"success": 1}), "statement.result.success", "true or false"),
    (statement(result={"success": "true"}), "statement.result.success", "true or false"),
    (statement(result={"completion": None}), "statement.result.completion", "null"),
    (statement(result={"response": 42}), "statement.result.response", "string"),
    (statement(result={"duration": "1 hour"}), "statement.result.duration", "duration"),
    (statement(result={"duration": "P4W1D"}), "statement.result.duration", "duration"),
    (statement(result={"duration": "PT1.5H30M"}), "statement.result.duration", "duration"),
    (statement(result={"duration": 60}), "statement.result.duration", "duration"),
    (statement(result={"extensions": {"key": 1}}), "statement.result.extensions.key", "IRIs"),
    (statement(result={"grade": "A"}), "statement.result.grade", "unknown property"),
    (statement(result=[]), "statement.result", "object"),
    # context
    (statement(context={"registration": "x"}), "statement.context.registration", "UUID"),
    (statement(context={"instructor": {"name": "x"}}), "statement.context.instructor", "exactly one"),
    (statement(context={"instructor": ACTIVITY}), "statement.context.instructor.objectType", "Agent"),
    (statement(context={"team": {"mbox": "mailto:a@e.org"}}), "statement.context.team.objectType", "Group"),
    (statement(context={"team": {"objectType": "Agent", **MBOX}}), "statement.context.team.objectType", "Group"),
    (statement(context={"contextActivities": {"parent": [{"objectType": "Agent", "mbox": "mailto:a@e.org"}]}}),
     "statement.context.contextActivities.parent[0].objectType", "Activity"),
    (statement(context={"contextActivities": {"parent": [ACTIVITY, {"id": "nope"}]}}),
     "statement.context.contextActivities.parent[1].id", "IRI"),
    (statement(context={"contextActivities": {"grouping": {"id": "nope"}}}),
     "statement.context.contextActivities.grouping.id", "IRI"),
    (statement(context={"contextActivities": {"category": "http://e.org/c"}}),
     "statement.context.contextActivities.category", "object"),
    (statement(context={"contextActivities": {"other": None}}), "statement.context.contextActivities.other",
     "null"),
    (statement(context={"contextActivities": {"sibling": []}}), "statement.context.contextActivities.sibling",
     "unknown property"),
    (statement(context={"contextActivities": {"Parent": []}}), "statement.context.contextActivities.Parent",
     "unknown property"),
    (statement(object={"objectType": "Agent", "mbox": "mailto:a@e.org"}, context={"platform": "web"}),
     "statement.context.platform", "not an Activity"),
    (statement(object={"objectType": "StatementRef", "id": UUID}, context={"revision": "1"}),
     "statement.context.revision", "not an Activity"),
    (statement(object=sub(), context={"revision": "1"}), "statement.context.revision", "not an Activity"),
    (statement(context={"revision": 1}), "statement.context.revision", "string"),
    (statement(context={"platform": None}), "statement.context.platform", "null"),
    (statement(context={"language": "nope nope"}), "statement.context.language", "RFC 5646"),
    (statement(context={"language": ""}), "statement.context.language", "RFC 5646"),
    (statement(context={"statement": {"id": UUID}}), "statement.context.statement.objectType", "required"),
    (statement(context={"statement": {"objectType": "StatementRef", "id": "x"}}), "statement.context.statement.id",
     "UUID"),
    (statement(context={"extensions": {"http://e.org/x": None, "bad key": 1}}),
     "statement.context.extensions.bad key", "IRIs"),
    (statement(context={"mood": "good"}), "statement.context.mood", "unknown property"),
    # timestamps, stored, authority, version
    (statement(timestamp="2026-01-01 10:00"), "statement.timestamp", "ISO 8601"),
    (statement(timestamp="01/011/2015"), "statement.timestamp", "ISO 8601"),
    (statement(timestamp="2026-02-30T00:00:00Z"), "statement.timestamp", "ISO 8601"),
    (statement(timestamp="2008-09-15T15:53:00.601-00:00"), "statement.timestamp", "-00:00"),
    (statement(timestamp="2008-09-15T15:53:00.601-0000"), "statement.timestamp", "ISO 8601"),
    (statement(timestamp="2008-09-15T15:53:00.601-00"), "statement.timestamp", "ISO 8601"),
    (statement(timestamp=1700000000), "statement.timestamp", "ISO 8601"),
    (statement(stored="yesterday"), "statement.stored", "ISO 8601"),
    (statement(authority={"objectType": "Group", "mbox": "mailto:a@e.org"}), "statement.authority.member",
     "anonymous"),
    (statement(authority={"objectType": "Group", "member": [MBOX]}), "statement.authority.member", "two"),
    (statement(authority={"mbox": "nope"}), "statement.authority.mbox", "mailto"),
    (statement(version="2.0.0"), "statement.version", "1.0"),
    (statement(version="1.1.0"), "statement.version", "1.0"),
    (statement(version="0.95"), "statement.version", "1.0"),
    (statement(version=1.0), "statement.version", "string"),
    # attachments
    (statement(attachments=[{**ATTACHMENT, "length": -1}]), "statement.attachments[0].length", "negative"),
    (statement(attachments=[{**ATTACHMENT, "length": 1.5}]), "statement.attachments[0].length", "integer"),
    (statement(attachments=[{**ATTACHMENT, "length": "10"}]), "statement.attachments[0].length", "integer"),
    (statement(attachments=[{**ATTACHMENT, "length": True}]), "statement.attachments[0].length", "boolean"),
    (statement(attachments=[{**ATTACHMENT, "usageType": "signature"}]), "statement.attachments[0].usageType",
     "IRI"),
    (statement(attachments=[{**ATTACHMENT, "fileUrl": "f.txt"}]), "statement.attachments[0].fileUrl", "IRI"),
    (statement(attachments=[{**ATTACHMENT, "display": {"xx_YY": "x"}}]),
     "statement.attachments[0].display.xx_YY", "RFC 5646"),
    (statement(attachments=[{**ATTACHMENT, "description": "x"}]), "statement.attachments[0].description",
     "language map"),
    (statement(attachments=[{**ATTACHMENT, "contentType": 1}]), "statement.attachments[0].contentType",
     "string"),
    (statement(attachments=[{**ATTACHMENT, "sha2": "xyz"}]), "statement.attachments[0].sha2", "SHA-2"),
    (statement(attachments=[{**ATTACHMENT, "size": 1}]), "statement.attachments[0].size", "unknown property"),
    (statement(attachments=ATTACHMENT), "statement.attachments", "array"),
] + [
    (statement(attachments=[{k: v for k, v in ATTACHMENT.items() if k != prop}]),
     f"statement.attachments[0].{prop}", "required")
    for prop in ("usageType", "display", "contentType", "length", "sha2")
]


@pytest.mark.parametrize("body,location,words", RULES, ids=[f"{n}:{r[1]}" for n, r in enumerate(RULES)])
@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_rules(body, location, words, version):
    if version.startswith("2.") and "version" in body and body["version"] == "2.0.0":
        return  # a 1.0.3-only rule
    error = rejected(copy.deepcopy(body), version)
    assert error.location == location, error.message
    assert words in error.message
    assert error.message.startswith(location + ":")


def test_a_statement_must_be_an_object():
    for body in ([], "statement", None, 1):
        assert rejected(body).location == "statement"


def test_batch_location_names_the_position():
    with pytest.raises(BadRequest) as caught:
        validate_statement(statement(actor={}), location="statement[3]")
    assert caught.value.location == "statement[3].actor"
    with pytest.raises(BadRequest) as caught:
        validate_statement(statement(context={"contextActivities": {"parent": [ACTIVITY, {"id": "x"}]}}),
                           location="statement[0]")
    assert caught.value.location == "statement[0].context.contextActivities.parent[1].id"


# -- xAPI 2.0 -------------------------------------------------------------------------------------


def test_context_agents_and_groups_only_in_2_0():
    body = statement(context={"contextAgents": [{"objectType": "contextAgent",
                                                 "agent": {"mbox": "mailto:a@e.org"},
                                                 "relevantTypes": ["http://e.org/t"]}]})
    validate_statement(body, version="2.0.0")
    error = rejected(body)
    assert error.location == "statement.context.contextAgents" and "unknown property" in error.message
    body = statement(context={"contextGroups": [{"objectType": "contextGroup", "group": GROUP}]})
    validate_statement(body, version="2.0.0")
    assert rejected(body).location == "statement.context.contextGroups"
    assert rejected(statement(object=sub(context=body["context"]))).location == \
        "statement.object.context.contextGroups"


def test_version_2_0_statements():
    validate_statement(statement(version="2.0.0"), version="2.0.0")
    validate_statement(statement(version="1.0.3"), version="2.0.0")
    assert rejected(statement(version="2.1.0"), "2.0.0").location == "statement.version"
    assert rejected(statement(version="3.0.0"), "2.0.0").location == "statement.version"


def accepted_on_both_paths(body, version):
    """Accepted by the schemas, by validate_statement, and vouched for by the fast path."""
    validate_statement_with_schemas(copy.deepcopy(body), version=version)
    validate_statement(copy.deepcopy(body), version=version)
    assert proves_valid(copy.deepcopy(body), version.startswith("2."))


def rejected_on_both_paths(body, version):
    with pytest.raises(BadRequest) as by_schemas:
        validate_statement_with_schemas(copy.deepcopy(body), version=version)
    assert not proves_valid(copy.deepcopy(body), version.startswith("2."))
    error = rejected(copy.deepcopy(body), version)
    assert (error.location, error.message) == (by_schemas.value.location, by_schemas.value.message)
    return error


#: semver.org §9 and §10's own examples of pre-release and build parts, all on 1.0.0
SEMVER_EXAMPLES = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0.3.7", "1.0.0-x.7.z.92", "1.0.0-x-y-z.--",
                   "1.0.0-alpha+001", "1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85",
                   "1.0.0+21AF26D3----117B344092BD"]


@pytest.mark.parametrize("request_version", ["1.0.3", "2.0.0"])
@pytest.mark.parametrize("version", SEMVER_EXAMPLES + ["1.0.3-rc1", "1.0.3+build.5"])
def test_a_version_with_a_pre_release_or_build_part_is_accepted(version, request_version):
    """xAPI-Data.md §2.4.10: an LRS MUST accept every statement whose version starts with "1.0."
    (xAPI versions follow Semantic Versioning 2.0.0), so the examples of semver.org itself and a
    release candidate's "1.0.3-rc1" are accepted, and kept as sent."""
    body = statement(version=version)
    accepted_on_both_paths(body, request_version)
    assert body["version"] == version


def test_a_2_0_pre_release_is_a_2_0_version():
    """A 2.0.0 release candidate's statements are 2.0 statements: accepted in a 2.0 request,
    refused in a 1.0.3 one like "2.0.0" itself."""
    accepted_on_both_paths(statement(version="2.0.0-rc1"), "2.0.0")
    accepted_on_both_paths(statement(version="2.0.1+build.7"), "2.0.0")
    assert rejected_on_both_paths(statement(version="2.0.0-rc1"), "1.0.3").location == "statement.version"


@pytest.mark.parametrize("version", ["1.0.3-", "1.0.3+", "1.0.3-rc..1", "1.0.3-01", "1.0.3-rc1+", "1.0.3-rc_1",
                                     "1.0.3+build+5", "1.0-rc1", "1.1.0-rc1", "0.95-rc1", "1.0.3 ", " 1.0.3",
                                     "1.0.3-ü", "1.0.٣", "1.0.x", "1.0.3\n", "v1.0.3"])
def test_a_version_that_is_not_semver_is_still_refused(version):
    """Garbage after "1.0." is not a version (Semantic Versioning 2.0.0 §9, §10: dot-separated
    ASCII alphanumerics and hyphens, numeric pre-release identifiers without leading zeros)."""
    for request_version in ("1.0.3", "2.0.0"):
        assert rejected_on_both_paths(statement(version=version), request_version).location == "statement.version"


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_a_leap_second_timestamp_is_accepted(version):
    """The leap second of 30 June 2015 (IERS Bulletin C 49) and RFC 3339 §5.8's example of the
    one of 1990 in PST: RFC 3339, which xAPI timestamps follow, allows second 60."""
    body = statement(timestamp="2015-06-30T23:59:60Z", object=sub(timestamp="1990-12-31T15:59:60-08:00"))
    accepted_on_both_paths(body, version)
    assert body["timestamp"] == "2015-06-30T23:59:60Z"


def test_a_refused_timestamp_is_told_what_is_wrong_with_it():
    """Second 60 where no leap second can be is refused without blaming the offset; a -00:00
    offset is refused naming the offset."""
    error = rejected_on_both_paths(statement(timestamp="2015-06-30T12:00:60Z"), "1.0.3")
    assert error.location == "statement.timestamp" and "offset" not in error.message
    assert "60" in error.message
    error = rejected_on_both_paths(statement(timestamp="2015-06-30T12:00:00-00:00"), "1.0.3")
    assert error.location == "statement.timestamp" and "-00:00" in error.message


CONTEXT_AGENT = {"objectType": "contextAgent", "agent": MBOX}
CONTEXT_GROUP = {"objectType": "contextGroup", "group": GROUP}


@pytest.mark.parametrize("context,location,words", [
    ({"contextAgents": CONTEXT_AGENT}, "contextAgents", "array"),
    ({"contextAgents": [{**CONTEXT_AGENT, "objectType": "ContextAgent"}]}, "contextAgents[0].objectType",
     "contextAgent"),
    ({"contextAgents": [{"agent": MBOX}]}, "contextAgents[0].objectType", "required"),
    ({"contextAgents": [{"objectType": "contextAgent"}]}, "contextAgents[0].agent", "required"),
    ({"contextAgents": [{**CONTEXT_AGENT, "agent": GROUP}]}, "contextAgents[0].agent.objectType", "Agent"),
    ({"contextAgents": [{**CONTEXT_AGENT, "agent": {"name": "x"}}]}, "contextAgents[0].agent", "exactly one"),
    ({"contextAgents": [{**CONTEXT_AGENT, "relevantTypes": []}]}, "contextAgents[0].relevantTypes", "empty"),
    ({"contextAgents": [{**CONTEXT_AGENT, "relevantTypes": ["t"]}]}, "contextAgents[0].relevantTypes[0]", "IRI"),
    ({"contextAgents": [{**CONTEXT_AGENT, "relevantTypes": "http://e.org/t"}]}, "contextAgents[0].relevantTypes",
     "array"),
    ({"contextAgents": [{**CONTEXT_AGENT, "role": "x"}]}, "contextAgents[0].role", "unknown property"),
    ({"contextGroups": [{**CONTEXT_GROUP, "objectType": "contextAgent"}]}, "contextGroups[0].objectType",
     "contextGroup"),
    ({"contextGroups": [{**CONTEXT_GROUP, "group": MBOX}]}, "contextGroups[0].group.objectType", "Group"),
    ({"contextGroups": [{**CONTEXT_GROUP, "group": {"objectType": "Group"}}]}, "contextGroups[0].group",
     "anonymous Group"),
    ({"contextGroups": [{**CONTEXT_GROUP, "relevantTypes": []}]}, "contextGroups[0].relevantTypes", "empty"),
    ({"contextGroups": [None]}, "contextGroups[0]", "null"),
])
def test_2_0_context_agent_and_group_rules(context, location, words):
    error = rejected(statement(context=context), "2.0.0")
    assert error.location == f"statement.context.{location}", error.message
    assert words in error.message


# -- the other public functions ------------------------------------------------------------------


def test_validate_agent():
    validate_agent({"mbox": "mailto:a@e.org"})
    validate_agent({"objectType": "Group", "openid": "http://e.org/g"})
    validate_agent({"objectType": "Group", "openid": "http://e.org/g"}, version="2.0.0")
    for agent, location in [
        ({"objectType": "Group", "mbox": "mailto:a@e.org"}, "agent.objectType"),
        ({"mbox": "a@e.org"}, "agent.mbox"),
        ({"mbox": "mailto:a@e.org", "extra": 1}, "agent.extra"),
        ([], "agent"),
    ]:
        with pytest.raises(BadRequest) as caught:
            validate_agent(agent, allow_group=not location.endswith("objectType"))
        assert caught.value.location == location
    with pytest.raises(BadRequest) as caught:
        validate_agent(GROUP, location="agent")
    assert caught.value.location == "agent" and "identified Group" in caught.value.message


def test_validate_activity_id_and_uuid():
    validate_activity_id("http://example.org/a")
    validate_uuid(UUID, location="registration")
    validate_uuid(UUID.upper(), location="registration")
    for bad in ("example.org", "", None, 1):
        with pytest.raises(BadRequest) as caught:
            validate_activity_id(bad)
        assert caught.value.location == "activityId"
    for bad in ("x", "", None, UUID[:-1], "{" + UUID + "}"):
        with pytest.raises(BadRequest) as caught:
            validate_uuid(bad, location="registration")
        assert caught.value.location == "registration"


def test_parse_timestamp():
    utc = dt.timezone.utc
    assert parse_timestamp("2026-01-02T03:04:05Z", location="since") == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=utc)
    moment = parse_timestamp("2026-01-02T03:04:05.5+02:00", location="since", version="2.0.0")
    assert moment == dt.datetime(2026, 1, 2, 1, 4, 5, 500000, tzinfo=utc) and moment.tzinfo is not None
    assert parse_timestamp("2026-01-02T03:04:05", location="since").tzinfo is not None
    for bad in ("2026-01-02T03:04:05-00:00", "tomorrow", "", None, 5):
        for version in ("1.0.3", "2.0.0"):
            with pytest.raises(BadRequest) as caught:
                parse_timestamp(bad, location="until", version=version)
            assert caught.value.location == "until"


def test_since_and_until_may_name_a_leap_second():
    """A query for what was stored since a leap second (RFC 3339 §5.8: 1990-12-31T23:59:60Z) starts
    at the first second of the next day."""
    utc = dt.timezone.utc
    for version in ("1.0.3", "2.0.0"):
        assert parse_timestamp("1990-12-31T23:59:60Z", location="since", version=version) == \
            dt.datetime(1991, 1, 1, tzinfo=utc)
        assert parse_timestamp("2015-06-30T23:59:60.5Z", location="until", version=version) == \
            dt.datetime(2015, 7, 1, 0, 0, 0, 500000, tzinfo=utc)


def test_is_iri():
    assert is_iri("http://example.org/a") and is_iri("urn:uuid:" + UUID) and is_iri("mailto:a@e.org")
    assert not is_iri("") and not is_iri("example.org") and not is_iri(None) and not is_iri("http://a b")


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


def test_the_memos_keep_no_long_values():
    """Their memory is bounded by count × length: a client sending long unique values cannot grow them."""
    from lrs.xapi import fastcheck, validation
    from lrs.xapi.validation import _Accepted

    memo = _Accepted()
    memo.add((1, b"x" * (_Accepted.LONGEST + 1)))
    memo.add((1, b"y" * _Accepted.LONGEST))
    assert memo.seen == {(1, b"y" * _Accepted.LONGEST)}
    calls = []
    check = fastcheck.remembered(lambda value: calls.append(value) or True)
    long, short = "l" * (fastcheck.LONGEST_REMEMBERED + 1), "s" * fastcheck.LONGEST_REMEMBERED
    for _ in range(2):
        assert check(long) and check(short)
    assert calls == [long, short, long]  # the short one answered from memory the second time
    body = statement(object={"id": "http://example.org/" + "a" * 3000})
    validate_statement(body)
    assert validation._Accepted.key(validation._activity_schema, body["object"]) not in validation._accepted


_LANGUAGE_MAPS = [{"en-US": "a", "de-DE": "b"}, {}, {"en-US": 1}, {"not a tag!": "x"}, {"x" * 300: "long key"},
                  {"en": None}, ["en-US"], "en-US", {1: "x"}]
_EXTENSIONS = [{"http://example.org/x": {"any": ["json"]}}, {}, {"not an iri": 1},
               {"http://example.org/" + "x" * 300: 1}, ["http://example.org/x"], {1: 2}]


@pytest.mark.parametrize("field_name, value", [("LanguageMap", v) for v in _LANGUAGE_MAPS]
                         + [("Extensions", v) for v in _EXTENSIONS])
def test_a_field_accepts_exactly_what_it_deserializes_unchanged(field_name, value):
    from marshmallow import ValidationError

    from lrs.xapi import validation

    field = getattr(validation, field_name)()
    try:
        unchanged = field.deserialize(value) is value
    except (ValidationError, TypeError):
        unchanged = False
    try:
        accepted = field.accepts(value)
    except TypeError:  # fastcheck.accepts reads a TypeError as "not proved": the schema judges
        accepted = False
    assert accepted == unchanged
