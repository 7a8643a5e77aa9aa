"""Hostile input through the HTTP API, generated with hypothesis: deeply nested JSON, huge
numbers, invalid UTF-8, duplicate keys, NUL bytes, very long strings, multipart bombs,
SQL and MongoDB operator injection, random agents, language maps and query parameters.

The bar: never a 5xx, and an invalid statement is never stored (every single-rule mutation
of a valid statement is refused through the API, and the store is left as it was).
Fixed cases of the same kinds are in test_bad_input.py.
"""

from __future__ import annotations

import copy
import hashlib
import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SECRET_KEY, statement
from tests.strategies import statements
from tests.xapi.test_validation_properties import MUTATIONS

XAPI = "/xapi/statements"
FEW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SOME = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SQL_AND_MONGO = ["' OR 1=1 --", "'; DROP TABLE statements; --", "\" OR \"\"=\"", "1; SELECT * FROM credentials",
                 "%' --", "\\'; --", '{"$gt": ""}', '{"$ne": null}', '{"$where": "sleep(1000)"}', "$regex",
                 '{"$or": [{}]}', "[$ne]=1", "\u0000", "' UNION SELECT secret_hash FROM credentials --"]
DOC_SCOPE = {"activityId": "http://example.org/a", "agent": json.dumps({"mbox": "mailto:ada@example.org"})}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


def _post(client, body: bytes | str, content_type="application/json"):
    response = client.post(XAPI, data=body, content_type=content_type)
    assert response.status_code < 500, response.data
    assert response.is_json
    assert (response.status_code >= 400) == (isinstance(response.json, dict) and response.json.get("error", False))
    return response


def _stored_unchanged(store, before: int) -> bool:
    return store.statement_count() == before


# -- no invalid statement is stored ----------------------------------------------------------------


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.__name__)
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(valid=statements(exact=False), data=st.data())
def test_no_mutated_statement_is_accepted_through_the_api(client, store, mutation, valid, data):
    mutated = copy.deepcopy(valid)
    mutated.pop("id", None)
    mutation(mutated, data)
    before = store.statement_count()
    response = _post(client, json.dumps([statement(id=str(uuid.uuid4())), mutated]))
    assert response.status_code == 400
    assert response.json["location"].startswith("statement[1]")
    assert _stored_unchanged(store, before)


# -- JSON the parser must refuse ---------------------------------------------------------------------


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(depth=st.integers(101, 20_000), opener=st.sampled_from(["[", '{"a":']))
def test_deeply_nested_json_is_400_in_the_body_extensions_agent_parameter_and_documents(client, depth, opener):
    closer = "]" if opener == "[" else "}"
    nested = opener * depth + "1" + closer * depth
    assert _post(client, nested).status_code == 400
    body = json.dumps(statement(result={"extensions": {"http://example.org/x": 0}})).replace(": 0}", f": {nested}}}")
    assert _post(client, body).status_code == 400
    assert client.get(XAPI, query_string={"agent": nested}).status_code == 400
    state = client.post("/xapi/activities/state", query_string={**DOC_SCOPE, "stateId": "deep"}, data=nested,
                        content_type="application/json")
    assert state.status_code == 400


@SOME
@given(number=st.one_of(
    st.integers(min_value=-(10**4000), max_value=10**4000).map(str),
    st.tuples(st.integers(1, 9), st.integers(300, 100_000), st.booleans()).map(
        lambda t: f"{'-' if t[2] else ''}{t[0]}e{t[1]}"),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
))
def test_huge_numbers_are_stored_exactly_or_refused(client, number):
    statement_id = str(uuid.uuid4())
    body = json.dumps(statement(id=statement_id, result={"extensions": {"http://example.org/n": 0}}))
    response = _post(client, body.replace('"http://example.org/n": 0', f'"http://example.org/n": {number}'))
    if response.status_code == 200:
        got = client.get(XAPI, query_string={"statementId": statement_id})
        assert got.status_code == 200
        assert json.loads(got.data)["result"]["extensions"]["http://example.org/n"] == json.loads(number)
    else:
        assert response.status_code == 400


@SOME
@given(junk=st.binary(min_size=1, max_size=8), position=st.integers(0, 400))
def test_invalid_utf8_anywhere_in_a_body_is_never_a_server_error(client, store, junk, position):
    raw = json.dumps(statement()).encode()
    position = min(position, len(raw))
    body = raw[:position] + junk + raw[position:]
    before = store.statement_count()
    response = _post(client, body)
    if response.status_code == 200:
        body.decode("utf-8")  # only valid UTF-8 may be accepted
    else:
        assert _stored_unchanged(store, before)


@FEW
@given(path=st.sampled_from(["", "actor", "verb", "object", "object.definition", "result"]))
def test_duplicate_keys_at_any_depth_are_400(client, store, path):
    body = statement(result={"response": "x"})
    target = body
    for key in filter(None, path.split(".")):
        target = target[key]
    first_key = next(iter(target))
    text = json.dumps(body)
    inner = json.dumps(target)
    duplicated = inner[:-1] + f", {json.dumps(first_key)}: {json.dumps(target[first_key])}}}"
    response = _post(client, text.replace(inner, duplicated, 1))
    assert response.status_code == 400 and "twice" in response.json["message"]
    assert store.statement_count() == 0


@SOME
@given(text=st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40).map(
    lambda t: t[: len(t) // 2] + "\x00" + t[len(t) // 2:]))
def test_nul_characters_in_strings_are_stored_exactly_or_refused(client, text):
    statement_id = str(uuid.uuid4())
    body = statement(id=statement_id, result={"response": text, "extensions": {"http://example.org/x": text}},
                     verb={"id": "http://example.org/v", "display": {"en": text}})
    response = _post(client, json.dumps(body))
    if response.status_code == 200:
        got = json.loads(client.get(XAPI, query_string={"statementId": statement_id}).data)
        assert got["result"] == body["result"] and got["verb"] == body["verb"]


def test_raw_nul_bytes_in_a_body_are_400(client):
    raw = json.dumps(statement()).encode()
    assert _post(client, raw.replace(b'"Ada"', b'"A\x00da"')).status_code == 400
    assert _post(client, raw + b"\x00").status_code == 400


@pytest.mark.parametrize("size", [1_000, 100_000, 1_000_000])
def test_very_long_strings_are_stored_exactly(client, size):
    statement_id = str(uuid.uuid4())
    long_text = "é" * size
    body = statement(id=statement_id, result={"response": long_text,
                                              "extensions": {"http://example.org/" + "k" * size: long_text}})
    assert _post(client, json.dumps(body, ensure_ascii=False).encode()).status_code == 200
    got = json.loads(client.get(XAPI, query_string={"statementId": statement_id}).data)
    assert got["result"] == body["result"]


# -- agents, language maps, query parameters ------------------------------------------------------------


@SOME
@given(actor=st.one_of(json_values, st.dictionaries(
    st.sampled_from(["objectType", "name", "mbox", "mbox_sha1sum", "openid", "account", "member", "$where"]),
    json_values | st.sampled_from(SQL_AND_MONGO) | st.just({"$ne": None}), max_size=4)))
def test_random_agents_are_never_a_server_error(client, store, actor):
    before = store.statement_count()
    response = _post(client, json.dumps(statement(actor=actor)))
    if response.status_code != 200:
        assert _stored_unchanged(store, before)
    for resource in (XAPI, "/xapi/agents"):
        assert client.get(resource, query_string={"agent": json.dumps(actor)}).status_code < 500


@SOME
@given(language_map=st.one_of(json_values, st.dictionaries(st.text(max_size=12), json_values, max_size=4)))
def test_random_language_maps_are_stored_exactly_or_refused(client, language_map):
    statement_id = str(uuid.uuid4())
    body = statement(id=statement_id, verb={"id": "http://example.org/v", "display": language_map})
    response = _post(client, json.dumps(body))
    if response.status_code == 200:
        got = json.loads(client.get(XAPI, query_string={"statementId": statement_id}).data)
        assert got["verb"]["display"] == language_map


QUERY_NAMES = ["statementId", "voidedStatementId", "agent", "verb", "activity", "registration",
               "related_activities", "related_agents", "since", "until", "limit", "format", "attachments",
               "ascending", "more", "method", "activityId", "stateId", "profileId"]


@SOME
@given(params=st.dictionaries(st.sampled_from(QUERY_NAMES) | st.text(max_size=5),
                              st.text(max_size=30) | st.sampled_from(SQL_AND_MONGO), max_size=5),
       resource=st.sampled_from(["/xapi/statements", "/xapi/activities/state", "/xapi/activities/profile",
                                 "/xapi/agents/profile", "/xapi/activities", "/xapi/agents"]))
def test_random_query_parameters_are_never_a_server_error(client, params, resource):
    assert client.get(resource, query_string=params).status_code < 500
    assert client.delete(resource, query_string=params).status_code < 500


@FEW
@given(cursor=st.one_of(
    st.dictionaries(st.sampled_from(["after", "upto", "limit", "agent", "format", "ascending", "verb"]),
                    json_values, max_size=5),
    st.just({"after": 0, "upto": 10**9, "limit": 10**9}),
    st.just({"after": 0, "upto": 1, "agent": {"$ne": None}}),
))
def test_forged_more_cursors_are_400_or_bounded(client, store, cursor):
    """Unsigned, a forged cursor is refused; signed with the server's own key (as only a leaked
    secret would allow), it is still type-checked and its page clamped."""
    import base64

    from lrs.api.cursors import sign

    token = base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode().rstrip("=")
    assert client.get(XAPI, query_string={"more": token}).status_code == 400
    response = client.get(XAPI, query_string={"more": sign(token, SECRET_KEY)})
    assert response.status_code in (200, 400), response.data
    if response.status_code == 200:
        assert len(response.json["statements"]) <= 1000


@pytest.mark.parametrize("injection", SQL_AND_MONGO)
def test_injection_in_document_ids_and_scope_stays_in_its_document(client, injection):
    if "\x00" in injection:
        return  # NUL in a parameter is refused outright (test_bad_input)
    params = {**DOC_SCOPE, "stateId": injection}
    assert client.put("/xapi/activities/state", query_string={**DOC_SCOPE, "stateId": "other"}, data=b"other",
                      content_type="text/plain").status_code == 204
    assert client.put("/xapi/activities/state", query_string=params, data=b"mine",
                      content_type="text/plain").status_code == 204
    assert client.get("/xapi/activities/state", query_string=params).data == b"mine"
    assert sorted(client.get("/xapi/activities/state", query_string=DOC_SCOPE).json) == sorted(["other", injection])
    assert client.delete("/xapi/activities/state", query_string=params).status_code == 204
    assert client.get("/xapi/activities/state", query_string={**DOC_SCOPE, "stateId": "other"}).data == b"other"
    activity = client.get("/xapi/activities/profile", query_string={"activityId": injection, "profileId": "p"})
    assert activity.status_code in (400, 404)


# -- multipart bombs -------------------------------------------------------------------------------------


def _multipart(statement_body: dict, parts: list[tuple[dict, bytes]], boundary="bound") -> bytes:
    out = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode() + json.dumps(statement_body).encode()]
    for headers, content in parts:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        out.append(f"--{boundary}\r\n{head}\r\n".encode() + content)
    return b"\r\n".join(out) + f"\r\n--{boundary}--".encode()


def _attachment_part(content: bytes) -> tuple[dict, bytes]:
    return ({"Content-Type": "text/plain", "Content-Transfer-Encoding": "binary",
             "X-Experience-API-Hash": hashlib.sha256(content).hexdigest()}, content)


@pytest.mark.parametrize("bomb", [
    "many parts", "huge header", "many headers", "nested multipart", "boundary only", "no closing boundary",
    "endless boundary lines",
])
def test_multipart_bombs_are_refused_quickly(client, store, bomb):
    import time

    body = statement()
    if bomb == "many parts":
        raw = _multipart(body, [_attachment_part(b"x%d" % i) for i in range(5000)])
    elif bomb == "huge header":
        raw = _multipart(body, [({"X-Junk": "a" * 5_000_000, **_attachment_part(b"x")[0]}, b"x")])
    elif bomb == "many headers":
        raw = _multipart(body, [({f"X-H{i}": "a" for i in range(100_000)}, b"x")])
    elif bomb == "nested multipart":
        inner = _multipart(body, [_attachment_part(b"y")], boundary="inner")
        raw = _multipart(body, [({"Content-Type": "multipart/mixed; boundary=inner"}, inner)] * 200)
    elif bomb == "boundary only":
        raw = b"--bound\r\n" * 500_000
    elif bomb == "no closing boundary":
        raw = _multipart(body, [])[:-10] * 1000
    else:
        raw = b"--bound" + b" " * 5_000_000 + b"\r\n"
    started = time.monotonic()
    response = _post(client, raw, content_type="multipart/mixed; boundary=bound")
    assert response.status_code in (400, 413)
    assert time.monotonic() - started < 5
    assert store.statement_count() == 0


@SOME
@given(data=st.data())
def test_mutated_multipart_bodies_are_never_a_server_error(client, store, data):
    content = data.draw(st.binary(max_size=64))
    body = statement(attachments=[{"usageType": "http://example.org/u", "display": {"en": "a"},
                                   "contentType": "text/plain", "length": len(content),
                                   "sha2": hashlib.sha256(content).hexdigest()}])
    raw = bytearray(_multipart(body, [_attachment_part(content)]))
    for _ in range(data.draw(st.integers(1, 4))):
        action = data.draw(st.sampled_from(["flip", "cut", "insert", "duplicate"]))
        at = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        if action == "flip" and raw:
            raw[at] ^= data.draw(st.integers(1, 255))
        elif action == "cut":
            del raw[at: at + data.draw(st.integers(1, 40))]
        elif action == "insert":
            raw[at:at] = data.draw(st.sampled_from([b"\r\n", b"--bound", b"--bound--", b"\r\n\r\n", b"\x00",
                                                    b"--bound\r\n\r\n", b"Content-Type: application/json\r\n"]))
        else:
            raw += bytes(raw[at: at + 200])
    before = store.statement_count()
    response = _post(client, bytes(raw), content_type=data.draw(st.sampled_from(
        ["multipart/mixed; boundary=bound", 'multipart/mixed; boundary="bound"', "multipart/mixed",
         "multipart/mixed; boundary=", "multipart/mixed; boundary=" + "b" * 300])))
    if response.status_code != 200:
        assert _stored_unchanged(store, before)
