"""lrs/rejected.py: what is kept of a refused statement request, for how long and how much, and
how it is sent again. Who may see one is tests/security/test_refused_statements.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid

import pytest

from lrs.access import Access
from lrs.auth.personal import create_person, create_personal_key, person_agent
from lrs.config import Config
from lrs.errors import BadRequest, Forbidden
from lrs.rejected import BODY_KIND, KIND, discard_rejected, find_rejected, list_rejected, purge_rejected, \
    resend_rejected
from lrs.store.base import Item
from lrs.xapi.attachments import AttachmentPart, build_multipart
from tests.conftest import EVERYTHING, XAPIClient, add_credential, auth_header, make_app, statement
from tests.tool_statements import fixed, h5p_compound, openedx_bare_uuid_activity, openedx_group_activity

OPERATOR = Access.operator()


def _app(tmp_path, **config):
    app = make_app(tmp_path, **config)
    return app, app.extensions["lrs"]


def _tool(app, ctx, key="lms", name="hospital LMS", scopes=("all",)) -> XAPIClient:
    return XAPIClient(app.test_client(), add_credential(ctx.store, key=key, name=name, scopes=scopes))


def _kept(ctx, access=OPERATOR):
    return list_rejected(ctx, access)


def test_what_is_kept_of_a_refusal(tmp_path):
    app, ctx = _app(tmp_path)
    lms = _tool(app, ctx)
    sent = [statement(id=str(uuid.uuid4())), h5p_compound({"mbox": "mailto:ann@example.org"})]
    answer = lms.post("/xapi/statements", json=sent)
    assert answer.status_code == 400
    [kept] = _kept(ctx)
    assert kept.status == 400 and kept.message == answer.json["message"]
    assert kept.location == "statement[1].object.definition.interactionType"
    assert (kept.credential_key, kept.credential_name, kept.method, kept.version) == ("lms", "hospital LMS", "POST",
                                                                                      "1.0.3")
    assert kept.content_type == "application/json" and kept.kept == "whole" and kept.statements == 2
    when = dt.datetime.fromisoformat(kept.when)
    assert dt.datetime.fromisoformat(kept.expires) - when == dt.timedelta(days=14)
    assert json.loads(kept.text()) == sent  # the raw body, to be fixed
    assert kept.item.person_id is None and kept.item.ref == "credential:lms"


@pytest.mark.parametrize("case", ["wrong secret", "no credential", "body over the server's limit", "a read",
                                  "stored", "rate limited", "a read by id"])
def test_what_is_not_kept(tmp_path, case):
    app, ctx = _app(tmp_path, max_body_bytes=50_000, rate_limit=0.001, rate_burst=1)
    lms = _tool(app, ctx)
    client = app.test_client()
    version = {"X-Experience-API-Version": "1.0.3"}
    if case == "wrong secret":
        status = client.post("/xapi/statements", json=h5p_compound({"mbox": "mailto:a@example.org"}),
                             headers={**version, **auth_header("lms", "wrong")}).status_code
    elif case == "no credential":
        status = client.post("/xapi/statements", json=h5p_compound({"mbox": "mailto:a@example.org"}),
                             headers=version).status_code
    elif case == "body over the server's limit":
        status = lms.post("/xapi/statements", data=b"[" + b" " * 60_000 + b"]",
                          headers={"Content-Type": "application/json"}).status_code
    elif case == "a read":
        status = lms.get("/xapi/statements?verb=not-an-iri").status_code
    elif case == "stored":
        status = lms.post("/xapi/statements", json=statement()).status_code
    elif case == "rate limited":
        assert lms.post("/xapi/statements", json=statement()).status_code == 200
        status = lms.post("/xapi/statements", json=h5p_compound({"mbox": "mailto:a@example.org"})).status_code
    else:
        status = lms.get("/xapi/statements?statementId=x").status_code
    assert status in {"wrong secret": (401,), "no credential": (401,), "body over the server's limit": (413,),
                      "a read": (400,), "stored": (200,), "rate limited": (429,),
                      "a read by id": (400,)}[case]
    assert ctx.store.list_items(KIND) == [] and ctx.store.list_items(BODY_KIND) == []


@pytest.mark.parametrize("case, status", [("forbidden scope", 403), ("conflict", 409), ("batch too large", 413),
                                          ("PUT without statementId", 400), ("not JSON", 400)])
def test_refusals_of_every_kind_for_what_was_sent_are_kept(tmp_path, case, status):
    app, ctx = _app(tmp_path, max_batch=3)
    lms = _tool(app, ctx)
    if case == "forbidden scope":
        reader = _tool(app, ctx, key="reader", name="dashboard", scopes=("statements/read",))
        answer = reader.post("/xapi/statements", json=statement())
    elif case == "conflict":
        first = statement(id=str(uuid.uuid4()))
        assert lms.post("/xapi/statements", json=first).status_code == 200
        answer = lms.post("/xapi/statements", json={**first, "verb": {"id": "http://example.org/other"}})
    elif case == "batch too large":
        answer = lms.post("/xapi/statements", json=[statement() for _ in range(4)])
    elif case == "PUT without statementId":
        answer = lms.put("/xapi/statements", json=statement())
    else:
        answer = lms.post("/xapi/statements", data=b'{"actor": ', headers={"Content-Type": "application/json"})
    assert answer.status_code == status
    [kept] = _kept(ctx)
    assert kept.status == status and kept.message == answer.json["message"]


def test_a_personal_keys_refusals_are_its_persons(tmp_path):
    app, ctx = _app(tmp_path)
    ann = create_person(ctx.store, ctx.config, "ann", "a-long-password-1")
    key, secret = create_personal_key(ctx.store, ctx.config, ann, "my Open edX")
    xapi = XAPIClient(app.test_client(), auth_header(key.key, secret))
    assert xapi.post("/xapi/statements", json=openedx_bare_uuid_activity(person_agent(ctx.config, "ann"))).status_code == 400
    # a statement about someone else is hers to know about too: her tool sent it
    assert xapi.post("/xapi/statements", json=statement()).status_code == 403
    mine = list_rejected(ctx, Access.for_person(ctx.store, ann))
    assert [r.status for r in mine] == [403, 400]  # newest first
    assert all(r.item.person_id == ann.id for r in mine) and _kept(ctx) == []


def test_a_credential_keeps_its_newest_refusals_up_to_its_limit(tmp_path):
    app, ctx = _app(tmp_path, rejected_per_credential=3)
    lms, other = _tool(app, ctx), _tool(app, ctx, key="other", name="other")
    sent = [h5p_compound({"mbox": f"mailto:learner{n}@example.org"}) for n in range(5)]
    for body in sent:
        assert lms.post("/xapi/statements", json=body).status_code == 400
    assert other.post("/xapi/statements", json=sent[0]).status_code == 400
    kept = _kept(ctx)
    assert [json.loads(r.text())["id"] for r in kept if r.credential_key == "lms"] == [s["id"] for s in sent[:1:-1]]
    assert len([r for r in kept if r.credential_key == "other"]) == 1
    assert len(ctx.store.list_items(BODY_KIND)) == 4  # the bodies of the ones that went, gone with them


def test_the_total_limits_hold_across_credentials(tmp_path):
    app, ctx = _app(tmp_path, rejected_total=4, rejected_total_bytes=1_000_000)
    tools = [_tool(app, ctx, key=f"tool{n}", name=f"tool {n}") for n in range(3)]
    for round_ in range(3):
        for tool in tools:
            assert tool.post("/xapi/statements", json=h5p_compound({"mbox": "mailto:a@example.org"})).status_code == 400
    kept = _kept(ctx)
    assert len(kept) == 4 and [r.credential_key for r in kept] == ["tool2", "tool1", "tool0", "tool2"]

    app, ctx = _app(tmp_path / "bytes", rejected_total_bytes=5_000)
    lms = _tool(app, ctx)
    body = h5p_compound({"mbox": "mailto:a@example.org"})
    for _ in range(8):
        lms.post("/xapi/statements", json=body)
    kept = _kept(ctx)
    assert sum(r.body_bytes for r in kept) <= 5_000 and len(kept) == 5_000 // kept[0].body_bytes


def test_a_body_above_the_cap_is_not_kept_but_the_refusal_is(tmp_path):
    app, ctx = _app(tmp_path, rejected_max_bytes=4096)
    lms = _tool(app, ctx)
    batch = [statement(id=str(uuid.uuid4())) for _ in range(30)] + [h5p_compound({"mbox": "mailto:a@example.org"})]
    raw = json.dumps(batch).encode()
    assert lms.post("/xapi/statements", data=raw, headers={"Content-Type": "application/json"}).status_code == 400
    [kept] = _kept(ctx)
    assert kept.kept == "none" and kept.text() is None and ctx.store.list_items(BODY_KIND) == []
    assert kept.body_bytes == len(raw) and kept.body_sha256 == hashlib.sha256(raw).hexdigest()
    assert "statement[30].object.definition.interactionType" == kept.location
    # the owner can still send a fixed copy in its place
    ids = resend_rejected(ctx, OPERATOR, kept, json.dumps([fixed(s) for s in batch]))
    assert ids == [s["id"] for s in batch] and _kept(ctx) == []


def _multipart(statements, content: bytes):
    sha2 = hashlib.sha256(content).hexdigest()
    for s in statements:
        s["attachments"] = [{"usageType": "http://id.tincanapi.com/attachment/certificate-of-completion",
                             "display": {"en": "certificate"}, "contentType": "application/pdf",
                             "length": len(content), "sha2": sha2}]
    return build_multipart(json.dumps(statements).encode(), [AttachmentPart(sha2, "application/pdf", content)])


@pytest.mark.parametrize("size, kept_as", [(1000, "whole"), (20_000, "statements")])
def test_a_multipart_refusal_is_kept_whole_under_the_cap_or_its_statements_and_hashes(tmp_path, size, kept_as):
    app, ctx = _app(tmp_path, rejected_max_bytes=8192)
    lms = _tool(app, ctx)
    content = bytes(range(256)) * (size // 256)
    sent = [openedx_group_activity({"mbox": "mailto:ann@example.org"})]
    payload, content_type = _multipart(sent, content)
    assert lms.post("/xapi/statements", data=payload, headers={"Content-Type": content_type}).status_code == 400
    [kept] = _kept(ctx)
    assert kept.kept == kept_as and json.loads(kept.text()) == sent
    assert kept.parts == [{"sha2": hashlib.sha256(content).hexdigest(), "content_type": "application/pdf",
                           "length": len(content)}]
    text = json.dumps([fixed(s) for s in sent])
    if kept_as == "whole":  # the attachment goes with the fixed statement
        [sid] = resend_rejected(ctx, OPERATOR, kept, text)
        assert list(ctx.store.get_attachments([sid], reach=EVERYTHING).values())[0][1] == content
    else:  # its body was not kept: the tool must send it again, and the refusal says so
        with pytest.raises(BadRequest) as refused:
            resend_rejected(ctx, OPERATOR, kept, text)
        assert "attachment" in refused.value.message
        [again] = _kept(ctx)
        assert again.message == refused.value.message and json.loads(again.text()) == json.loads(text)


def test_a_resend_that_is_refused_again_keeps_the_edit_and_the_new_reason(tmp_path):
    app, ctx = _app(tmp_path)
    lms = _tool(app, ctx)
    sent = openedx_group_activity({"mbox": "mailto:ann@example.org"})
    lms.post("/xapi/statements", json=sent)
    [kept] = _kept(ctx)
    half_fixed = {**sent, "object": {**sent["object"], "objectType": "Activity", "id": "not an iri"}}
    with pytest.raises(BadRequest):
        resend_rejected(ctx, OPERATOR, kept, json.dumps(half_fixed))
    [again] = _kept(ctx)
    assert again.item.item_id == kept.item.item_id and again.location == "statement[0].object.id"
    assert json.loads(again.text()) == half_fixed
    with pytest.raises(BadRequest) as not_json:
        resend_rejected(ctx, OPERATOR, again, '{"actor": ')
    assert not_json.value.location == "body"
    assert resend_rejected(ctx, OPERATOR, _kept(ctx)[0], json.dumps(fixed(sent))) == [sent["id"]]
    assert ctx.store.get_statement(sent["id"], reach=EVERYTHING) is not None


def test_a_put_is_resent_as_a_put_with_its_statement_id(tmp_path):
    app, ctx = _app(tmp_path)
    lms = _tool(app, ctx)
    sent = h5p_compound({"mbox": "mailto:ann@example.org"})
    assert lms.put(f"/xapi/statements?statementId={sent['id']}", json=sent).status_code == 400
    [kept] = _kept(ctx)
    assert (kept.method, kept.statement_id) == ("PUT", sent["id"])
    other_id = {**fixed(sent), "id": str(uuid.uuid4())}
    with pytest.raises(BadRequest):  # the id in the body must be the statementId, as for the PUT itself
        resend_rejected(ctx, OPERATOR, _kept(ctx)[0], json.dumps(other_id))
    assert resend_rejected(ctx, OPERATOR, _kept(ctx)[0], json.dumps(fixed(sent))) == [sent["id"]]


def test_a_revoked_credential_resends_nothing(tmp_path):
    app, ctx = _app(tmp_path)
    lms = _tool(app, ctx)
    sent = h5p_compound({"mbox": "mailto:ann@example.org"})
    lms.post("/xapi/statements", json=sent)
    ctx.store.revoke_credential("lms", "2026-01-02T00:00:00+00:00")
    with pytest.raises(Forbidden) as refused:
        resend_rejected(ctx, OPERATOR, _kept(ctx)[0], json.dumps(fixed(sent)))
    assert "revoked" in refused.value.message
    assert ctx.store.get_statement(sent["id"], reach=EVERYTHING) is None


def test_a_body_that_is_not_utf8_is_kept_exactly(tmp_path):
    app, ctx = _app(tmp_path)
    lms = _tool(app, ctx)
    raw = b'{"actor": {"mbox": "mailto:\xff@example.org"}}'
    assert lms.post("/xapi/statements", data=raw, headers={"Content-Type": "application/json"}).status_code == 400
    [kept] = _kept(ctx)
    assert kept.raw() == raw and kept.kept == "whole"


def test_expired_refusals_are_hidden_and_purged(tmp_path, runner, monkeypatch):
    app, ctx = _app(tmp_path)
    lms = _tool(app, ctx)
    for _ in range(2):
        lms.post("/xapi/statements", json=h5p_compound({"mbox": "mailto:ann@example.org"}))
    old, new = ctx.store.list_items(KIND)
    past = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)).isoformat()
    ctx.store.put_item(Item(KIND, old.item_id, None, {**old.body, "expires": past}, ref=old.ref))
    assert [r.item.item_id for r in _kept(ctx)] == [new.item_id]  # hidden at once
    assert find_rejected(ctx, OPERATOR, old.item_id) is None
    assert ctx.store.get_item(KIND, old.item_id) is not None
    lms.post("/xapi/statements", json=h5p_compound({"mbox": "mailto:ann@example.org"}))  # purged on write
    assert ctx.store.get_item(KIND, old.item_id) is None and ctx.store.get_item(BODY_KIND, old.item_id) is None

    newest = ctx.store.list_items(KIND)[-1]
    ctx.store.put_item(Item(KIND, newest.item_id, None, {**newest.body, "expires": past}, ref=newest.ref))
    from lrs.cli import cli

    monkeypatch.setenv("LRS_SECRET_KEY", "test-secret-key")
    purged = runner.invoke(cli, ["rejected", "purge"], env={"LRS_HOME": str(tmp_path)})
    assert purged.exit_code == 0 and "1 expired" in purged.output, purged.output
    assert [i.item_id for i in ctx.store.list_items(KIND)] == [new.item_id]
    assert purge_rejected(ctx, everything=True) == 1 and ctx.store.list_items(KIND) == []


def test_nothing_is_kept_when_the_operator_turns_it_off(tmp_path):
    app, ctx = _app(tmp_path, rejected_days=0)
    _tool(app, ctx).post("/xapi/statements", json=h5p_compound({"mbox": "mailto:ann@example.org"}))
    assert ctx.store.list_items(KIND) == []


def test_discarding_removes_it_and_its_body(tmp_path):
    app, ctx = _app(tmp_path)
    _tool(app, ctx).post("/xapi/statements", json=h5p_compound({"mbox": "mailto:ann@example.org"}))
    [kept] = _kept(ctx)
    assert discard_rejected(ctx, OPERATOR, kept)
    assert ctx.store.list_items(KIND) == [] and ctx.store.list_items(BODY_KIND) == []


def test_settings_come_from_the_environment(monkeypatch):
    for name, value in {"LRS_REJECTED_DAYS": "3", "LRS_REJECTED_MAX_BYTES": "2048", "LRS_REJECTED_PER_CREDENTIAL": "7",
                        "LRS_REJECTED_TOTAL": "70", "LRS_REJECTED_TOTAL_BYTES": "9999"}.items():
        monkeypatch.setenv(name, value)
    config = Config.from_env()
    assert (config.rejected_days, config.rejected_max_bytes, config.rejected_per_credential, config.rejected_total,
            config.rejected_total_bytes) == (3, 2048, 7, 70, 9999)


def test_refusals_kept_and_removed_are_counted(tmp_path):
    app, ctx = _app(tmp_path, metrics_public=True, rejected_per_credential=1)
    lms = _tool(app, ctx)
    for _ in range(2):
        lms.post("/xapi/statements", json=h5p_compound({"mbox": "mailto:ann@example.org"}))
    text = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'lrs_rejected_kept_total{kept="whole"} 2.0' in text
    assert 'lrs_rejected_removed_total{reason="credential_limit"} 1.0' in text


def test_a_statement_a_profile_refuses_in_enforce_mode_is_kept_with_the_templates_rule(tmp_path):
    from lrs.profiles import assign

    app, ctx = _app(tmp_path)
    tool = _tool(app, ctx, key="notes-tool", name="notes app")
    assign(ctx.store, "notes-tool", "https://learnfolio.example/xapi/profiles/journal", "enforce")
    entry = {"id": str(uuid.uuid4()), "actor": {"mbox": "mailto:ann@example.org"},
             "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
             "object": {"objectType": "Activity", "id": "urn:lrs-journal:abc:notes.md#entry-1",
                        "definition": {"type": "http://activitystrea.ms/schema/1.0/note", "name": {"und": "Entry"}}},
             "context": {"platform": "a notes app"}}
    answer = tool.post("/xapi/statements", json=entry)
    assert answer.status_code == 400
    [kept] = _kept(ctx)
    assert kept.message == answer.json["message"] and kept.location == "$.context.platform"
    fixed_entry = {**entry, "context": {"platform": "lrs-journal"}}
    assert resend_rejected(ctx, OPERATOR, kept, json.dumps(fixed_entry)) == [entry["id"]]
