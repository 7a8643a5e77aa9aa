"""Refused statements are not lost, and no one but their credential's owner sees them.

A statement request the Statements resource refuses for what it holds is kept a while
(lrs/rejected.py) for whoever owns the credential that sent it: the person for their own keys (the
space's "Not accepted" panel), the operator for tool credentials (``lrs rejected …``). The access
gate decides (``Access.owns_rejected``): another person, someone ann shared everything with, and
any tool credential see nothing of ann's refusals and can neither resend nor discard them; erasure
removes them. The statements are the invalid ones real tools send (tests/tool_statements.py).
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import requests

from lrs.access import Access
from lrs.app import create_app
from lrs.auth.personal import create_person, create_personal_key, person_agent
from tests.conftest import SECRET_KEY, XAPIClient, add_credential, auth_header
from tests.e2e.server import LRS, running_server
from tests.plugins.space.conftest import PASSWORD, Browser
from tests.security.realserver import Web, account, make_person, personal_key, tool_key
from tests.tool_statements import fixed, h5p_compound, openedx_bare_uuid_activity, openedx_group_activity

PANEL = "/space/not-accepted"
#: the items a refusal is kept as (lrs/rejected.py): what it was, and its body
KIND, BODY_KIND = "rejected", "rejected-body"


def _ids(page: str) -> list[str]:
    return re.findall(r'href="/space/not-accepted/([A-Za-z0-9_-]+)"', page)


@pytest.fixture
def world(tmp_path):
    """ann (a personal key whose tool sends an Open edX statement), bob, cat (ann shares everything
    with cat), an organisation's LMS (a tool credential sending an H5P statement), another tool."""
    app = create_app({"home": tmp_path, "secret_key": SECRET_KEY, "load_plugins": ("space", "cpd")})
    ctx = app.extensions["lrs"]
    people = {n: create_person(ctx.store, ctx.config, n, PASSWORD) for n in ("ann", "bob", "cat")}
    key, secret = create_personal_key(ctx.store, ctx.config, people["ann"], "ann's Open edX")
    ann_xapi = XAPIClient(app.test_client(), auth_header(key.key, secret), version="1.0.3")
    refused = ann_xapi.post("/xapi/statements", json=openedx_group_activity(person_agent(ctx.config, "ann")))
    assert refused.status_code == 400
    lms = XAPIClient(app.test_client(), add_credential(ctx.store, key="lms", name="hospital LMS"))
    assert lms.post("/xapi/statements", json=h5p_compound(person_agent(ctx.config, "ann"))).status_code == 400
    add_credential(ctx.store, key="other", secret="other-secret", name="another tool")
    ann = Browser(app).signin("ann")
    ann.post("/space/sharing", {"username": "cat", "all": "1"}, token_from="/space/sharing")
    return {"app": app, "ctx": ctx, "people": people, "ann": ann, "ann_key": key}


def test_a_persons_refusal_is_on_her_panel_with_the_reason_and_the_body(world):
    page = world["ann"].get(PANEL).get_data(as_text=True)
    [rejected_id] = _ids(page)
    assert "ann&#39;s Open edX" in page and "400" in page and "GroupActivity" in page
    detail = world["ann"].get(f"{PANEL}/{rejected_id}").get_data(as_text=True)
    assert "statement[0].object.objectType" in detail  # where the problem is
    assert "https://w3id.org/xapi/openedx/extensions/session-id" in detail  # the raw statement, to fix
    assert "hospital LMS" not in page  # a tool's refusals are the operator's


def test_no_other_person_nor_a_share_viewer_sees_or_touches_it(world):
    [rejected_id] = _ids(world["ann"].get(PANEL).get_data(as_text=True))
    for name in ("bob", "cat"):
        other = Browser(world["app"]).signin(name)
        page = other.get(PANEL)
        assert page.status_code == 200 and _ids(page.get_data(as_text=True)) == []
        assert "GroupActivity" not in page.get_data(as_text=True)
        assert other.get(f"{PANEL}/{rejected_id}").status_code == 404
        for action in ("resend", "discard"):
            answer = other.post(f"{PANEL}/{rejected_id}", {"action": action, "statements": "[]"}, token_from=PANEL)
            assert answer.status_code == 404
    cat = Browser(world["app"]).signin("cat")
    [share] = world["ctx"].store.list_items("share", person_id=world["people"]["ann"].id)
    shared = cat.get(f"/space/shared/{share.item_id}/")
    assert shared.status_code == 200
    assert "GroupActivity" not in shared.get_data(as_text=True) and rejected_id not in shared.get_data(as_text=True)
    assert _ids(world["ann"].get(PANEL).get_data(as_text=True)) == [rejected_id]  # untouched


def test_the_gate_gives_a_refusal_to_its_owner_only(world):
    ctx, people = world["ctx"], world["people"]
    store = ctx.store
    [anns] = store.list_items(KIND, person_id=people["ann"].id)
    [tools] = [i for i in store.list_items(KIND) if i.person_id is None]
    ann = Access.for_person(store, people["ann"])
    share = store.list_items("share", person_id=people["ann"].id)[0]
    readers = {
        "bob": Access.for_person(store, people["bob"]),
        "cat reading ann's share": Access.for_share(store, share, people["cat"]),
        "the LMS's own credential": Access.for_credential(store.get_credential("lms"), store),
        "another tool credential": Access.for_credential(store.get_credential("other"), store),
        "ann's key itself": Access.for_credential(world["ann_key"], store),
    }
    assert ann.owns_rejected(anns) and not ann.owns_rejected(tools)
    assert Access.operator().owns_rejected(tools) and not Access.operator().owns_rejected(anns)
    for name, reader in readers.items():
        if name == "ann's key itself":  # her key acts for her: hers, as her panel shows
            assert reader.owns_rejected(anns) and not reader.owns_rejected(tools)
            continue
        assert not reader.owns_rejected(anns), name
        assert not reader.owns_rejected(tools), name
    body = store.get_item(BODY_KIND, anns.item_id)
    assert ann.owns_rejected(body) and not readers["bob"].owns_rejected(body)
    assert not ann.owns_rejected(store.list_items("share", person_id=people["ann"].id)[0])  # only refusals


def test_the_operator_sees_tool_refusals_and_no_persons(world, runner, monkeypatch):
    from lrs.cli import cli

    monkeypatch.setenv("LRS_HOME", str(world["ctx"].config.home))
    monkeypatch.setenv("LRS_SECRET_KEY", SECRET_KEY)
    listed = runner.invoke(cli, ["rejected", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [r["credential"]["name"] for r in rows] == ["hospital LMS"]
    assert "interactionType" in rows[0]["message"]
    [anns] = world["ctx"].store.list_items(KIND, person_id=world["people"]["ann"].id)
    for command in (["show", anns.item_id], ["resend", anns.item_id], ["purge", anns.item_id]):
        answer = runner.invoke(cli, ["rejected", *command])
        assert answer.exit_code != 0 and "no refused request" in answer.output, command
        assert "GroupActivity" not in answer.output
    assert world["ctx"].store.get_item(KIND, anns.item_id) is not None


def test_erasure_removes_a_persons_refusals(world):
    ctx, ann = world["ctx"], world["people"]["ann"]
    assert ctx.store.list_items(KIND, person_id=ann.id) and ctx.store.list_items(BODY_KIND, person_id=ann.id)
    ctx.store.erase_person(ann.id, erased_home_page=ctx.config.erased_home_page)
    assert ctx.store.list_items(KIND, person_id=ann.id) == [] and ctx.store.list_items(BODY_KIND, person_id=ann.id) == []
    assert len(ctx.store.list_items(KIND)) == 1  # the LMS's, the operator's


# -- end to end: real servers, real tools' statements ---------------------------------------------------


def _cli(server, *args, check=True) -> subprocess.CompletedProcess:
    return subprocess.run([LRS, *args], env=server.env, check=check, capture_output=True, text=True)


def test_refused_kept_fixed_resent_and_stored_never_seen_by_another_person(tmp_path):
    with running_server(tmp_path / "lrs", workers=2) as server:
        make_person(server, "ann")
        make_person(server, "bob")
        ann_key = personal_key(server, "ann")
        version = {"X-Experience-API-Version": "1.0.3"}
        h5p = h5p_compound(account("ann"))
        answer = requests.post(f"{server.xapi}/statements", json=h5p, auth=ann_key, headers=version, timeout=15)
        assert answer.status_code == 400 and "interactionType" in answer.json()["message"]
        lms = tool_key(server)
        edx = [openedx_group_activity(account("ann")), openedx_bare_uuid_activity(account("ann"))]
        answer = requests.post(f"{server.xapi}/statements", json=edx, auth=lms, headers=version, timeout=15)
        assert answer.status_code == 400 and answer.json()["location"] == "statement[0].object.objectType"

        # ann sees hers, with the reason; bob sees nothing of it
        ann = Web(server, "ann")
        page = ann.get(PANEL).text
        [rejected_id] = _ids(page)
        assert "interactionType" in page and "GroupActivity" not in page
        bob = Web(server, "bob")
        assert _ids(bob.get(PANEL).text) == [] and bob.get(f"{PANEL}/{rejected_id}").status_code == 404
        assert bob.post(f"{PANEL}/{rejected_id}", {"action": "resend"}, token_from=PANEL).status_code == 404

        # she fixes it in place and sends it again: stored, as her key would have stored it
        resent = ann.post(f"{PANEL}/{rejected_id}", {"action": "resend", "statements": json.dumps(fixed(h5p))},
                          token_from=f"{PANEL}/{rejected_id}")
        assert resent.status_code == 200 and "stored" in resent.text, resent.text[:500]
        got = requests.get(f"{server.xapi}/statements", params={"statementId": h5p["id"]}, auth=ann_key,
                           headers=version, timeout=15)
        assert got.status_code == 200 and got.json()["object"]["definition"]["interactionType"] == "other"
        assert _ids(ann.get(PANEL).text) == []

        # the operator: the LMS's refusal, fixed from a file and resent as the LMS
        rows = json.loads(_cli(server, "rejected", "list", "--json").stdout)
        assert [r["credential"]["key"] for r in rows] == [lms[0]]
        shown = _cli(server, "rejected", "show", rows[0]["id"]).stdout
        assert "statement[0].object.objectType" in shown and "GroupActivity" in shown
        corrected = tmp_path / "fixed.json"
        corrected.write_text(json.dumps([fixed(s) for s in edx]))
        done = _cli(server, "rejected", "resend", rows[0]["id"], "--from", str(corrected))
        assert edx[0]["id"] in done.stdout and edx[1]["id"] in done.stdout
        for statement in edx:
            got = requests.get(f"{server.xapi}/statements", params={"statementId": statement["id"]}, auth=lms,
                               headers=version, timeout=15)
            assert got.status_code == 200 and got.json()["authority"]["account"]["name"] == lms[0]
        assert json.loads(_cli(server, "rejected", "list", "--json").stdout) == []
    print(f"\nrefused: H5P compound (ann's key) and Open edX GroupActivity + bare UUID (the LMS) answered 400,"
          f" kept for their owners, fixed and resent: 3 statements stored; bob saw none of it")
