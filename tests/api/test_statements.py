"""The Statements resource against the application (SQLite store in a temp folder)."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.conftest import add_credential, statement

XAPI = "/xapi/statements"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def post(client, body, **kw):
    return client.post(XAPI, data=json.dumps(body), content_type="application/json", **kw)


def put(client, statement_id, body, **kw):
    return client.put(f"{XAPI}?statementId={statement_id}", data=json.dumps(body),
                      content_type="application/json", **kw)


def test_post_one_returns_its_new_id_and_get_returns_it_exactly(client):
    sent = statement()
    response = post(client, sent)
    assert response.status_code == 200, response.json
    (statement_id,) = response.json
    uuid.UUID(statement_id)
    got = client.get(f"{XAPI}?statementId={statement_id}")
    assert got.status_code == 200
    body = got.json
    for key in sent:
        assert body[key] == sent[key]
    assert body["id"] == statement_id
    assert body["version"] == "1.0.0"
    assert body["authority"]["account"]["name"] == "tool"
    assert body["stored"].endswith("Z")
    assert got.headers["X-Experience-API-Version"] == "1.0.3"
    assert "Last-Modified" in got.headers
    assert "X-Experience-API-Consistent-Through" in got.headers


def test_single_context_activity_comes_back_as_an_array_and_timestamp_is_filled(client):
    sid = str(uuid.uuid4())
    body = statement(context={"contextActivities": {"parent": {"id": "http://example.org/course"}}})
    assert put(client, sid, body).status_code == 204
    got = client.get(f"{XAPI}?statementId={sid}").json
    assert got["context"]["contextActivities"]["parent"] == [{"id": "http://example.org/course"}]
    assert got["timestamp"] == got["stored"]
    assert put(client, sid, body).status_code == 204  # the same statement, as sent, is still the same


def test_put_then_identical_put_is_204_and_different_is_409(client):
    sid = str(uuid.uuid4())
    assert put(client, sid, statement()).status_code == 204
    assert put(client, sid, statement()).status_code == 204
    changed = put(client, sid, statement(verb={"id": "http://example.org/verbs/other"}))
    assert changed.status_code == 409
    assert "already stored" in changed.json["message"]


def test_put_id_in_body_must_match_parameter(client):
    response = put(client, str(uuid.uuid4()), statement(id=str(uuid.uuid4())))
    assert response.status_code == 400
    assert response.json["location"] == "statementId"


def test_put_without_statement_id_is_400(client):
    response = client.put(XAPI, data=json.dumps(statement()), content_type="application/json")
    assert response.status_code == 400
    assert response.json["location"] == "statementId"


def test_batch_with_one_invalid_statement_stores_nothing(client, store):
    good = [statement(id=str(uuid.uuid4())) for _ in range(3)]
    bad = statement(actor={"mbox": "not-a-mailto"})
    response = post(client, good[:2] + [bad] + good[2:])
    assert response.status_code == 400
    assert response.json["location"].startswith("statement[2].actor")
    assert store.statement_count() == 0
    for s in good:
        assert client.get(f"{XAPI}?statementId={s['id']}").status_code == 404


def test_batch_with_conflicting_statement_stores_nothing(client, store):
    sid = str(uuid.uuid4())
    assert put(client, sid, statement()).status_code == 204
    batch = [statement(id=str(uuid.uuid4())), statement(id=sid, verb={"id": "http://example.org/v/x"})]
    assert post(client, batch).status_code == 409
    assert store.statement_count() == 1


def test_batch_with_duplicate_ids_is_400(client):
    sid = str(uuid.uuid4())
    assert post(client, [statement(id=sid), statement(id=sid)]).status_code == 400


def test_voiding_hides_the_statement_from_queries_but_not_from_voidedStatementId(client):
    target = str(uuid.uuid4())
    assert put(client, target, statement()).status_code == 204
    voiding = statement(verb={"id": VOIDED, "display": {"en-US": "voided"}},
                        object={"objectType": "StatementRef", "id": target})
    (voiding_id,) = post(client, voiding).json
    assert client.get(f"{XAPI}?statementId={target}").status_code == 404
    assert client.get(f"{XAPI}?voidedStatementId={target}").status_code == 200
    ids = [s["id"] for s in client.get(XAPI).json["statements"]]
    assert target not in ids and voiding_id in ids


def test_a_voiding_statement_cannot_be_voided(client):
    target = str(uuid.uuid4())
    put(client, target, statement())
    (voiding_id,) = post(client, statement(verb={"id": VOIDED}, object={"objectType": "StatementRef",
                                                                       "id": target})).json
    post(client, statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": voiding_id}))
    assert client.get(f"{XAPI}?statementId={voiding_id}").status_code == 200


def test_voiding_statement_object_must_be_a_statement_ref(client):
    response = post(client, statement(verb={"id": VOIDED}))
    assert response.status_code == 400


def test_statement_arriving_after_its_voiding_statement_is_voided(client):
    target = str(uuid.uuid4())
    post(client, statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target}))
    put(client, target, statement())
    assert client.get(f"{XAPI}?statementId={target}").status_code == 404
    assert client.get(f"{XAPI}?voidedStatementId={target}").status_code == 200


def _ids(response):
    assert response.status_code == 200, response.json
    return [s["id"] for s in response.json["statements"]]


def test_filters_agent_verb_activity_registration(client):
    reg = str(uuid.uuid4())
    a = statement(id=str(uuid.uuid4()), context={"registration": reg})
    b = statement(id=str(uuid.uuid4()), actor={"mbox": "mailto:bob@example.org"},
                  verb={"id": "http://example.org/verbs/asked"})
    c = statement(id=str(uuid.uuid4()), object={"id": "http://example.org/activities/other"})
    assert post(client, [a, b, c]).status_code == 200
    ada = json.dumps({"mbox": "mailto:ada@example.org"})
    assert set(_ids(client.get(XAPI, query_string={"agent": ada}))) == {a["id"], c["id"]}
    assert _ids(client.get(XAPI, query_string={"verb": "http://example.org/verbs/asked"})) == [b["id"]]
    assert _ids(client.get(XAPI, query_string={"activity": "http://example.org/activities/other"})) == [c["id"]]
    assert _ids(client.get(XAPI, query_string={"registration": reg})) == [a["id"]]
    assert _ids(client.get(XAPI, query_string={"agent": ada, "verb": "http://example.org/verbs/asked"})) == []


def test_related_agents_and_activities(client):
    s = statement(id=str(uuid.uuid4()), context={
        "instructor": {"mbox": "mailto:teacher@example.org"},
        "contextActivities": {"parent": [{"id": "http://example.org/courses/1"}]},
    })
    post(client, s)
    teacher = json.dumps({"mbox": "mailto:teacher@example.org"})
    assert _ids(client.get(XAPI, query_string={"agent": teacher})) == []
    assert _ids(client.get(XAPI, query_string={"agent": teacher, "related_agents": "true"})) == [s["id"]]
    course = "http://example.org/courses/1"
    assert _ids(client.get(XAPI, query_string={"activity": course})) == []
    assert _ids(client.get(XAPI, query_string={"activity": course, "related_activities": "true"})) == [s["id"]]


def test_statement_ref_targeting_a_match_is_returned(client):
    target = str(uuid.uuid4())
    put(client, target, statement(verb={"id": "http://example.org/verbs/special"}))
    (ref,) = post(client, statement(verb={"id": "http://example.org/verbs/commented"},
                                    object={"objectType": "StatementRef", "id": target})).json
    assert set(_ids(client.get(XAPI, query_string={"verb": "http://example.org/verbs/special"}))) == {target, ref}


def test_more_paging_is_complete_and_stable_while_statements_arrive(client):
    ids = [str(uuid.uuid4()) for _ in range(25)]
    post(client, [statement(id=i) for i in ids])
    seen = []
    response = client.get(XAPI, query_string={"limit": "10"})
    pages = 0
    while True:
        pages += 1
        seen += _ids(response)
        post(client, statement())  # a newcomer must not shift or join the pages
        more = response.json["more"]
        if not more:
            break
        assert more.startswith("/xapi/statements?more=")
        response = client.get(more)
    assert pages == 3
    assert seen == list(reversed(ids))


def test_ascending_since_until(client):
    first = [str(uuid.uuid4()) for _ in range(3)]
    post(client, [statement(id=i) for i in first])
    stored = client.get(f"{XAPI}?statementId={first[-1]}").json["stored"]
    later = str(uuid.uuid4())
    post(client, statement(id=later))
    assert _ids(client.get(XAPI, query_string={"since": stored})) == [later]
    assert _ids(client.get(XAPI, query_string={"until": stored, "ascending": "true"})) == first


def test_format_ids_and_canonical(client):
    sid = str(uuid.uuid4())
    put(client, sid, statement())
    ids_form = client.get(XAPI, query_string={"statementId": sid, "format": "ids"}).json
    assert ids_form["actor"] == {"objectType": "Agent", "mbox": "mailto:ada@example.org"}
    assert ids_form["object"] == {"id": "http://example.org/activities/reading"}
    assert ids_form["verb"] == {"id": "http://adlnet.gov/expapi/verbs/experienced"}
    canonical = client.get(XAPI, query_string={"statementId": sid, "format": "canonical"},
                           headers={"Accept-Language": "fr"}).json
    assert canonical["object"]["definition"]["name"] == {"fr": "Lecture"}


def test_head_has_headers_and_no_body(client):
    sid = str(uuid.uuid4())
    put(client, sid, statement())
    response = client.head(f"{XAPI}?statementId={sid}")
    assert response.status_code == 200
    assert response.data == b""
    assert "Last-Modified" in response.headers


def test_attachments_true_answers_multipart(client):
    put(client, str(uuid.uuid4()), statement())
    response = client.get(XAPI, query_string={"attachments": "true"})
    assert response.status_code == 200
    assert response.content_type.startswith("multipart/mixed; boundary=")
    assert b'"statements"' in response.data


def test_a_leap_second_timestamp_is_stored_as_sent_and_queried_as_the_next_second(client):
    """A statement stamped in the leap second of 30 June 2015 (IERS Bulletin C 49; RFC 3339 allows
    second 60) is stored as sent; since/until may name a leap second too."""
    sent = statement(timestamp="2015-06-30T23:59:60Z")
    response = post(client, sent)
    assert response.status_code == 200, response.json
    (statement_id,) = response.json
    assert client.get(f"{XAPI}?statementId={statement_id}").json["timestamp"] == "2015-06-30T23:59:60Z"
    since = client.get(XAPI, query_string={"since": "2015-06-30T23:59:60Z"})
    assert since.status_code == 200 and statement_id in [s["id"] for s in since.json["statements"]]
    until = client.get(XAPI, query_string={"until": "1990-12-31T15:59:60-08:00"})
    assert until.status_code == 200 and until.json["statements"] == []


@pytest.mark.parametrize("version", ["1.0.3-rc1", "1.0.0-alpha", "1.0.3+build.5"])
def test_a_statement_version_with_a_pre_release_or_build_part_is_kept(client, version):
    """xAPI-Data.md §2.4.10: "An LRS MUST accept all Statements where their version starts with
    "1.0." if they otherwise validate"; xAPI versions are Semantic Versioning 2.0.0."""
    response = post(client, statement(version=version))
    assert response.status_code == 200, response.json
    assert client.get(f"{XAPI}?statementId={response.json[0]}").json["version"] == version


def test_version_header_is_required_and_checked(client):
    assert client.get(XAPI, headers={"X-Experience-API-Version": None}).status_code == 400
    assert client.get(XAPI, headers={"X-Experience-API-Version": "1.1.0"}).status_code == 400
    assert client.get(XAPI, headers={"X-Experience-API-Version": "1.0"}).status_code == 200
    assert client.get(XAPI, headers={"X-Experience-API-Version": "1.0.1"}).status_code == 200


def test_about_needs_no_credentials_or_version(app):
    response = app.test_client().get("/xapi/about")
    assert response.status_code == 200
    assert "1.0.3" in response.json["version"]


def test_cors_preflight_and_exposed_headers(client, app):
    response = app.test_client().options(XAPI, headers={"Origin": "http://example.com",
                                                        "Access-Control-Request-Method": "POST"})
    assert response.status_code == 200
    assert "X-Experience-API-Version" in response.headers["Access-Control-Allow-Headers"]
    got = client.get(XAPI)
    assert "X-Experience-API-Consistent-Through" in got.headers["Access-Control-Expose-Headers"]


def test_missing_or_wrong_credentials_are_401(client, app):
    plain = app.test_client()
    assert plain.get(XAPI, headers={"X-Experience-API-Version": "1.0.3"}).status_code == 401
    wrong = client.get(XAPI, headers={"Authorization": "Basic dG9vbDpub3Bl"})
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"].startswith("Basic")


def test_revoked_credential_is_401(client, store):
    store.revoke_credential("tool", "2026-01-01T00:00:00Z")
    assert client.get(XAPI).status_code == 401


def test_scopes_are_enforced(app, store):
    from tests.conftest import XAPIClient

    reader = XAPIClient(app.test_client(), add_credential(store, key="reader", scopes=("statements/read",)))
    assert post(reader, statement()).status_code == 403
    assert reader.get(XAPI).status_code == 200
    writer = XAPIClient(app.test_client(), add_credential(store, key="writer", scopes=("statements/write",)))
    assert writer.get(XAPI).status_code == 403
    assert post(writer, statement()).status_code == 200


def test_read_mine_sees_only_its_own_statements(app, store):
    from tests.conftest import XAPIClient

    mine = XAPIClient(app.test_client(), add_credential(
        store, key="mine", scopes=("statements/write", "statements/read/mine")))
    other = XAPIClient(app.test_client(), add_credential(store, key="other", scopes=("all",)))
    (own_id,) = post(mine, statement()).json
    (other_id,) = post(other, statement()).json
    assert _ids(mine.get(XAPI)) == [own_id]
    # out of its reach reads as absent (lrs.access): another credential's statement is not its to know of
    assert mine.get(f"{XAPI}?statementId={other_id}").status_code == 404
    assert set(_ids(other.get(XAPI))) == {own_id, other_id}


def test_alternate_request_syntax(client, app):
    sid = str(uuid.uuid4())
    form = {
        "Authorization": client.headers["Authorization"],
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": "application/json",
        "statementId": sid,
        "content": json.dumps(statement()),
    }
    response = app.test_client().post(f"{XAPI}?method=PUT", data=form)
    assert response.status_code == 204, response.json
    got = app.test_client().post(f"{XAPI}?method=GET", data={
        "Authorization": client.headers["Authorization"], "X-Experience-API-Version": "1.0.3",
        "statementId": sid})
    assert got.status_code == 200
    assert got.json["id"] == sid


def test_alternate_syntax_is_refused_in_2_0(client, app):
    response = app.test_client().post(f"{XAPI}?method=GET", data={
        "Authorization": client.headers["Authorization"], "X-Experience-API-Version": "2.0.0"})
    assert response.status_code == 400


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2", b'{"a": 1, "a": 2}', b"NaN", b"\xff\xfe",
                                  b"[" * 100000, b"42", b'"a string"', b"null"])
def test_bodies_that_are_not_statements_are_400(client, body):
    response = client.post(XAPI, data=body, content_type="application/json")
    assert response.status_code == 400, response.data
    assert response.json["message"]


def test_wrong_content_type_is_400(client):
    response = client.post(XAPI, data=json.dumps(statement()), content_type="text/plain")
    assert response.status_code == 400
    assert response.json["location"] == "Content-Type"


def test_body_over_the_limit_is_413(tmp_path):
    from lrs.app import create_app
    from tests.conftest import SECRET_KEY, XAPIClient

    app = create_app({"home": tmp_path, "secret_key": SECRET_KEY, "max_body_bytes": 2000})
    client = XAPIClient(app.test_client(), add_credential(app.extensions["lrs"].store))
    response = post(client, [statement() for _ in range(20)])
    assert response.status_code == 413
    assert "limit" in response.json["message"]


def test_batch_over_the_limit_is_413(tmp_path):
    from lrs.app import create_app
    from tests.conftest import SECRET_KEY, XAPIClient

    app = create_app({"home": tmp_path, "secret_key": SECRET_KEY, "max_batch": 5})
    client = XAPIClient(app.test_client(), add_credential(app.extensions["lrs"].store))
    assert post(client, [statement() for _ in range(6)]).status_code == 413


def test_delete_is_405(client):
    assert client.delete(XAPI).status_code == 405
