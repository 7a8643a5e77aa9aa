"""An OpenAPI 3 description of the xAPI resources this LRS serves, published (without
credentials) at ``/xapi/openapi.json``.

It describes requests as the xAPI spec allows them, never more loosely than the LRS checks
them: anything the description forbids the LRS refuses, which is what the fuzzing tests
(schemathesis, negative mode) hold it to. Some xAPI rules cannot be said in OpenAPI (exactly
one inverse functional identifier, voiding needs a StatementRef); the LRS enforces those too.
"""

from __future__ import annotations

from functools import lru_cache

import orjson
from flask import Response

from lrs import __version__
from lrs.api.common import lrs_context, xapi_blueprint
from lrs.xapi.versions import STATEMENT_VERSION_PATTERN
from lrs.xapi.datatypes import MAX_NUMBER

bp = xapi_blueprint("openapi", __name__, authenticated=False, version_required=False)

SPEC = "https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, required=(), extra: bool = False) -> dict:
    schema = {"type": "object", "properties": properties, "additionalProperties": extra}
    if required:
        schema["required"] = list(required)
    return schema


IRI = {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$", "description": "an absolute IRI"}
UUID = {"type": "string", "format": "uuid"}
TIMESTAMP = {"type": "string", "format": "date-time"}
LANGUAGE_MAP = {"type": "object", "additionalProperties": {"type": "string"},
                "description": "RFC 5646 language tag to text"}
EXTENSIONS = {"type": "object", "description": "IRI keys to any JSON value"}

SCHEMAS = {
    "LanguageMap": LANGUAGE_MAP,
    "Account": _object({"homePage": IRI, "name": {"type": "string"}}, required=("homePage", "name")),
    "Agent": _object({
        "objectType": {"type": "string", "enum": ["Agent"]},
        "name": {"type": "string"},
        "mbox": {"type": "string", "pattern": "^mailto:.+@.+$"},
        "mbox_sha1sum": {"type": "string", "pattern": "^[0-9a-fA-F]{40}$"},
        "openid": IRI,
        "account": _ref("Account"),
    }),
    "Group": _object({
        "objectType": {"type": "string", "enum": ["Group"]},
        "name": {"type": "string"},
        "member": {"type": "array", "items": _ref("Agent")},
        "mbox": {"type": "string", "pattern": "^mailto:.+@.+$"},
        "mbox_sha1sum": {"type": "string", "pattern": "^[0-9a-fA-F]{40}$"},
        "openid": IRI,
        "account": _ref("Account"),
    }, required=("objectType",)),
    "Actor": {"anyOf": [_ref("Agent"), _ref("Group")]},
    "Verb": _object({"id": IRI, "display": _ref("LanguageMap")}, required=("id",)),
    "InteractionComponent": _object({"id": {"type": "string", "minLength": 1},
                                     "description": _ref("LanguageMap")}, required=("id",)),
    "ActivityDefinition": _object({
        "name": _ref("LanguageMap"),
        "description": _ref("LanguageMap"),
        "type": IRI,
        "moreInfo": IRI,
        "extensions": EXTENSIONS,
        "interactionType": {"type": "string", "enum": [
            "true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing",
            "likert", "numeric", "other"]},
        "correctResponsesPattern": {"type": "array", "items": {"type": "string"}},
        **{name: {"type": "array", "items": _ref("InteractionComponent")}
           for name in ("choices", "scale", "source", "target", "steps")},
    }),
    "Activity": _object({"objectType": {"type": "string", "enum": ["Activity"]}, "id": IRI,
                         "definition": _ref("ActivityDefinition")}, required=("id",)),
    "StatementRef": _object({"objectType": {"type": "string", "enum": ["StatementRef"]}, "id": UUID},
                            required=("objectType", "id")),
    "Score": _object({name: {"type": "number", "minimum": -MAX_NUMBER, "maximum": MAX_NUMBER}
                      for name in ("scaled", "raw", "min", "max")}),
    "Result": _object({
        "score": _ref("Score"),
        "success": {"type": "boolean"},
        "completion": {"type": "boolean"},
        "response": {"type": "string"},
        "duration": {"type": "string", "pattern": r"^P"},
        "extensions": EXTENSIONS,
    }),
    "ContextActivities": _object({
        name: {"anyOf": [_ref("Activity"), {"type": "array", "items": _ref("Activity")}]}
        for name in ("parent", "grouping", "category", "other")
    }),
    "ContextAgent": _object({"objectType": {"type": "string", "enum": ["contextAgent"]}, "agent": _ref("Agent"),
                             "relevantTypes": {"type": "array", "items": IRI, "minItems": 1}},
                            required=("objectType", "agent")),
    "ContextGroup": _object({"objectType": {"type": "string", "enum": ["contextGroup"]}, "group": _ref("Group"),
                             "relevantTypes": {"type": "array", "items": IRI, "minItems": 1}},
                            required=("objectType", "group")),
    "Context": _object({
        "registration": UUID,
        "instructor": _ref("Actor"),
        "team": _ref("Group"),
        "contextActivities": _ref("ContextActivities"),
        "contextAgents": {"type": "array", "items": _ref("ContextAgent"), "description": "xAPI 2.0 only"},
        "contextGroups": {"type": "array", "items": _ref("ContextGroup"), "description": "xAPI 2.0 only"},
        "revision": {"type": "string"},
        "platform": {"type": "string"},
        "language": {"type": "string"},
        "statement": _ref("StatementRef"),
        "extensions": EXTENSIONS,
    }),
    "Attachment": _object({
        "usageType": IRI,
        "display": _ref("LanguageMap"),
        "description": _ref("LanguageMap"),
        "contentType": {"type": "string"},
        "length": {"type": "integer", "minimum": 0},
        "sha2": {"type": "string", "pattern": "^[0-9a-fA-F]+$"},
        "fileUrl": IRI,
    }, required=("usageType", "display", "contentType", "length", "sha2")),
    "SubStatement": _object({
        "objectType": {"type": "string", "enum": ["SubStatement"]},
        "actor": _ref("Actor"),
        "verb": _ref("Verb"),
        "object": {"anyOf": [_ref("Activity"), _ref("Agent"), _ref("Group"), _ref("StatementRef")]},
        "result": _ref("Result"),
        "context": _ref("Context"),
        "timestamp": TIMESTAMP,
        "attachments": {"type": "array", "items": _ref("Attachment")},
    }, required=("objectType", "actor", "verb", "object")),
    "Statement": _object({
        "id": UUID,
        "actor": _ref("Actor"),
        "verb": _ref("Verb"),
        "object": {"anyOf": [_ref("Activity"), _ref("Agent"), _ref("Group"), _ref("StatementRef"),
                             _ref("SubStatement")]},
        "result": _ref("Result"),
        "context": _ref("Context"),
        "timestamp": TIMESTAMP,
        "stored": TIMESTAMP,
        "authority": _ref("Actor"),
        "version": {"type": "string", "pattern": STATEMENT_VERSION_PATTERN},
        "attachments": {"type": "array", "items": _ref("Attachment")},
    }, required=("actor", "verb", "object")),
    "StatementResult": _object({"statements": {"type": "array", "items": _ref("Statement")},
                                "more": {"type": "string"}}, required=("statements", "more"), extra=True),
    "Person": _object({"objectType": {"type": "string", "enum": ["Person"]}}, extra=True),
    "About": _object({"version": {"type": "array", "items": {"type": "string"}}, "extensions": EXTENSIONS},
                     required=("version",), extra=True),
    "Error": _object({"error": {"type": "boolean"}, "code": {"type": "integer"}, "message": {"type": "string"},
                      "location": {"type": "string"}}, required=("error", "code", "message")),
}

VERSION_HEADER = {"name": "X-Experience-API-Version", "in": "header", "required": True,
                  "schema": {"type": "string", "enum": ["1.0.3", "2.0.0"]}}


def _query(name: str, schema: dict, *, required: bool = False, description: str = "") -> dict:
    param = {"name": name, "in": "query", "required": required, "schema": schema}
    if description:
        param["description"] = description
    return param


def _json_query(name: str, schema_name: str, *, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required,
            "content": {"application/json": {"schema": _ref(schema_name)}}}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


ERRORS = {
    "400": _error("the request breaks an xAPI rule; `location` names where"),
    "401": _error("no or unknown credentials"),
    "403": _error("the credential's scopes do not allow this"),
    "413": _error("the body, a batch or an attachment is larger than the limits"),
    "429": _error("too many requests for this credential; see Retry-After"),
    "503": _error("the store is busy or unavailable; see Retry-After"),
}
BOOLEAN = {"type": "string", "enum": ["true", "false"]}
ACTIVITY_ID = _query("activityId", IRI, required=True)
AGENT = _json_query("agent", "Agent", required=True)
DOCUMENT_BODY = {"required": True, "content": {
    "application/json": {"schema": {"type": "object"}},
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
}}
IF_MATCH = {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"}}
IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"}}


def _document_resource(summary: str, scope: list[dict], id_name: str, *, multi_delete: bool) -> dict:
    """The GET/PUT/POST/DELETE operations of one document resource (state, activity or agent profile)."""
    one = scope + [_query(id_name, {"type": "string"}, required=True)]
    listing = scope + [_query(id_name, {"type": "string"}),
                       _query("since", TIMESTAMP, description=f"only when {id_name} is absent")]
    written = {"204": {"description": "done; ETag of the new document"}, "409": _error("a document exists"),
               "412": _error("If-Match / If-None-Match failed"), "428": _error("a precondition is required"),
               **ERRORS}
    return {
        "get": {"summary": f"{summary}: one document, or the ids of all", "parameters": listing,
                "responses": {"200": {"description": "the document byte for byte, or a JSON array of ids"},
                              "404": _error("no such document"), **ERRORS}},
        "put": {"summary": f"{summary}: store a document", "parameters": one + [IF_MATCH, IF_NONE_MATCH],
                "requestBody": DOCUMENT_BODY, "responses": written},
        "post": {"summary": f"{summary}: merge a JSON object into the document",
                 "parameters": one + [IF_MATCH, IF_NONE_MATCH],
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
                 "responses": written},
        "delete": {"summary": f"{summary}: delete " + ("one document, or all in scope" if multi_delete else
                                                        "a document"),
                   "parameters": (listing[:-1] if multi_delete else one) + [IF_MATCH],
                   "responses": {"204": {"description": "deleted (or was not there)"}, **ERRORS}},
    }


STATEMENT_QUERY = [
    _query("statementId", UUID), _query("voidedStatementId", UUID),
    _json_query("agent", "Actor"), _query("verb", IRI), _query("activity", IRI), _query("registration", UUID),
    _query("related_activities", BOOLEAN), _query("related_agents", BOOLEAN),
    _query("since", TIMESTAMP), _query("until", TIMESTAMP),
    _query("limit", {"type": "integer", "minimum": 0}),
    _query("format", {"type": "string", "enum": ["ids", "exact", "canonical"]}),
    _query("attachments", BOOLEAN), _query("ascending", BOOLEAN),
]
STATEMENTS_BODY = {"required": True, "content": {
    "application/json": {"schema": {"anyOf": [_ref("Statement"), {"type": "array", "items": _ref("Statement")}]}},
    "multipart/mixed": {"schema": {"type": "string", "format": "binary"},
                        "description": "the statements as the first part, then one part per attachment"},
}}

PATHS = {
    "/about": {"get": {"summary": "the xAPI versions this LRS speaks", "security": [], "parameters": [],
                       "responses": {"200": {"description": "About", "content": {
                           "application/json": {"schema": _ref("About")}}}}}},
    "/statements": {
        "get": {"summary": "one statement by id, or a page of statements matching filters",
                "parameters": STATEMENT_QUERY,
                "responses": {"200": {"description": "a Statement or a StatementResult", "content": {
                    "application/json": {"schema": {"anyOf": [_ref("Statement"), _ref("StatementResult")]}}}},
                    "404": _error("no such statement"), **ERRORS}},
        "put": {"summary": "store one statement with the given id",
                "parameters": [_query("statementId", UUID, required=True)],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": _ref("Statement")},
                    "multipart/mixed": STATEMENTS_BODY["content"]["multipart/mixed"]}},
                "responses": {"204": {"description": "stored"}, "409": _error("another statement has this id"),
                              **ERRORS}},
        "post": {"summary": "store a statement or a batch, all or nothing",
                 "requestBody": STATEMENTS_BODY,
                 "responses": {"200": {"description": "the ids, in batch order", "content": {
                     "application/json": {"schema": {"type": "array", "items": UUID}}}},
                     "409": _error("another statement has one of these ids"), **ERRORS}},
    },
    "/activities/state": _document_resource(
        "State", [ACTIVITY_ID, AGENT, _query("registration", UUID)], "stateId", multi_delete=True),
    "/activities/profile": _document_resource("Activity Profile", [ACTIVITY_ID], "profileId", multi_delete=False),
    "/agents/profile": _document_resource("Agent Profile", [AGENT], "profileId", multi_delete=False),
    "/activities": {"get": {"summary": "the canonical definition of an Activity", "parameters": [ACTIVITY_ID],
                            "responses": {"200": {"description": "an Activity", "content": {
                                "application/json": {"schema": _ref("Activity")}}}, **ERRORS}}},
    "/agents": {"get": {"summary": "the Person object of an Agent", "parameters": [AGENT],
                        "responses": {"200": {"description": "a Person", "content": {
                            "application/json": {"schema": _ref("Person")}}}, **ERRORS}}},
}


@lru_cache(maxsize=4)
def openapi_document(prefix: str = "/xapi") -> dict:
    """The whole description, with every operation requiring the version header (About excepted)."""
    paths = {}
    for path, operations in PATHS.items():
        paths[path] = {}
        for method, operation in operations.items():
            operation = dict(operation)
            if path != "/about":
                operation["parameters"] = [VERSION_HEADER] + list(operation.get("parameters", []))
            paths[path][method] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": "Learnfolio xAPI", "version": __version__,
                 "description": f"The xAPI 1.0.3 and 2.0.0 resources of Learnfolio; see {SPEC}"},
        "servers": [{"url": prefix}],
        "security": [{"basic": []}],
        "paths": paths,
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}}},
    }


@bp.route("/openapi.json", methods=["GET"])
def openapi():
    body = orjson.dumps(openapi_document(lrs_context().config.xapi_prefix))
    return Response(body, mimetype="application/json")
