"""The published OpenAPI description covers every xAPI route, its component schemas are the
marshmallow schemas that validate statements, and fuzzing the API from it (schemathesis: valid
and description-breaking requests) finds no 5xx and no accepted invalid request. The longer
run is ``python -m tests.soak.fuzz --seconds N``."""

from __future__ import annotations

import schemathesis
from marshmallow import fields

from lrs.api import openapi
from lrs.api.openapi import schema_name
from lrs.xapi import validation
from lrs.xapi.versions import STATEMENT_VERSION_PATTERN
from tests.soak.fuzz import CONFIG, fuzz


def test_openapi_is_served_without_credentials_and_covers_every_xapi_route(app):
    response = app.test_client().get("/xapi/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.")
    described = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    served = {(rule.rule.removeprefix("/xapi"), method) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/xapi/") and rule.rule != "/xapi/openapi.json"
              and rule.endpoint != "xapi_root"  # /xapi/ in a browser: a page for people, not a resource
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == described


def test_fuzzing_from_the_openapi_description_finds_no_failure(app, client, capsys):
    schema = schemathesis.openapi.from_wsgi("/xapi/openapi.json", app, config=CONFIG)
    report = fuzz(schema, auth_header=client.headers, examples=10, seconds=45)
    with capsys.disabled():
        print("\n" + report.lines())
    assert report.requests >= 200
    assert report.failures == {}


# -- the component schemas are the marshmallow schemas that validate ------------------------------


def _reachable_schemas(root):
    """Every marshmallow schema the statement model reaches from ``root``, by component name."""
    found, todo = {}, [root]
    while todo:
        schema = todo.pop()
        name = schema_name(schema)
        if name in found:
            continue
        found[name] = schema
        for field in schema.fields.values():
            field = getattr(field, "inner", field)
            if isinstance(field, fields.Nested):
                todo.append(field.schema)
            elif isinstance(getattr(field, "choose", None), validation.Kinds):
                todo.extend(field.choose.schemas.values())
    return found


def test_every_statement_schema_is_a_component_with_its_fields_and_required_fields(app):
    components = app.test_client().get("/xapi/openapi.json").json["components"]["schemas"]
    model = _reachable_schemas(validation.statement_schema(v2=True))
    assert len(model) == 17 and {"Statement", "SubStatement", "Agent", "Group", "Context"} <= model.keys()
    for name, schema in model.items():
        component = components[name]
        assert component["properties"].keys() == schema.fields.keys(), name
        assert set(component.get("required", ())) == {n for n, f in schema.fields.items() if f.required}, name
        assert component["additionalProperties"] is False, name  # unknown properties are refused everywhere
        for field_name, field in schema.fields.items():
            described = component["properties"][field_name]
            for keyword, value in getattr(field, "json_schema", {}).items():  # patterns, formats, bounds, enums
                if getattr(field, "component", None):
                    assert described == {"$ref": f"#/components/schemas/{field.component}"}
                elif keyword not in ("minimum", "maximum") or not field.validators:
                    assert described[keyword] == value, (name, field_name, keyword)


def test_the_document_says_what_the_schemas_check(app):
    components = app.test_client().get("/xapi/openapi.json").json["components"]["schemas"]
    assert components["ActivityDefinition"]["properties"]["interactionType"]["enum"] == list(
        validation.INTERACTION_TYPES)
    assert components["Score"]["properties"]["scaled"] | {"minimum": -1, "maximum": 1} == \
        components["Score"]["properties"]["scaled"]  # from the Range validator on ScoreSchema.scaled
    assert components["Statement"]["properties"]["version"]["pattern"] == STATEMENT_VERSION_PATTERN
    assert components["ContextAgent"]["properties"]["relevantTypes"]["minItems"] == 1  # from validate.Length
    assert components["Actor"] == {"anyOf": [{"$ref": "#/components/schemas/Agent"},
                                             {"$ref": "#/components/schemas/Group"}]}
    assert {alternative["$ref"].rsplit("/", 1)[1] for alternative in
            components["Statement"]["properties"]["object"]["anyOf"]} == set(validation.OBJECTS) | {"SubStatement"}
    assert {alternative["$ref"].rsplit("/", 1)[1] for alternative in
            components["SubStatement"]["properties"]["object"]["anyOf"]} == set(validation.OBJECTS)


def test_a_property_added_to_a_schema_appears_in_the_document_with_no_other_edit(monkeypatch):
    """A spec fix is one edit, in the marshmallow schema: here a required IRI added to Verb,
    and the statement model built afresh (bypassing the cached one) as a new process would."""
    served = openapi._spec("/xapi", validation.statement_schema(v2=True)).to_dict()["components"]["schemas"]
    monkeypatch.setitem(validation.VerbSchema._declared_fields, "nickname", validation.IRI(required=True))
    fresh = validation._schemas.__wrapped__(True)["statement"]
    edited = openapi._spec("/xapi", fresh).to_dict()["components"]["schemas"]
    assert edited["Verb"]["properties"]["nickname"] == validation.IRI.json_schema
    assert "nickname" in edited["Verb"]["required"]
    assert {name for name in served if edited[name] != served[name]} == {"Verb"}
