"""Chat endpoints against a real server: signed, fresh and first-time requests only."""

from __future__ import annotations

import json
import re
import time
import urllib.parse

import pytest
import requests

from lrs_chat.verify import slack_signature
from tests.e2e.server import running_server

SECRET = "slack-signing-secret-for-tests"
TOKEN = "mattermost-token-for-tests"
VERSION = {"X-Experience-API-Version": "2.0.0"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {"LRS_CHAT_SLACK_SIGNING_SECRET": SECRET, "LRS_CHAT_MATTERMOST_TOKEN": TOKEN}
    with running_server(tmp_path_factory.mktemp("chat"), env=env) as running:
        yield running


def space_session(server) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{server.url}/space/signin", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    admin = server.first_login["admin"]
    response = session.post(f"{server.url}/space/signin", timeout=10, data={
        "csrf_token": token, "username": admin["username"], "password": admin["password"]})
    assert response.ok
    return session


def link_code(session, server) -> str:
    page = session.get(f"{server.url}/space/chat/", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    page = session.post(f"{server.url}/space/chat/", data={"csrf_token": token}, timeout=10).text
    return re.search(r"/learned link ([0-9A-F]+)", page).group(1)


def slack(server, path, form, *, secret=SECRET, timestamp=None, replay_of=None):
    body = urllib.parse.urlencode(form).encode() if replay_of is None else replay_of[0]
    timestamp = str(int(time.time()) if timestamp is None else timestamp) if replay_of is None else replay_of[1]
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": timestamp,
               "X-Slack-Signature": slack_signature(secret, timestamp, body)}
    response = requests.post(f"{server.url}/chat/slack/{path}", data=body, headers=headers, timeout=10)
    response.sent = (body, timestamp)
    return response


def command(text, user="U1"):
    return {"team_id": "T1", "team_domain": "acme", "channel_id": "C1", "channel_name": "dev", "user_id": user,
            "user_name": "ann", "command": "/learned", "text": text}


def all_statements(server):
    key = (server.first_login["credential"]["key"], server.first_login["credential"]["secret"])
    return requests.get(f"{server.xapi}/statements", auth=key, headers=VERSION, timeout=10).json()["statements"]


def test_forged_stale_and_replayed_requests_are_refused(server):
    forged = slack(server, "command", command("help"), secret="not-the-secret")
    assert forged.status_code == 401 and "signature does not match" in forged.json()["message"]
    stale = slack(server, "command", command("help"), timestamp=int(time.time()) - 600)
    assert stale.status_code == 401 and "too old" in stale.json()["message"]
    unsigned = requests.post(f"{server.url}/chat/slack/command", data=command("help"), timeout=10)
    assert unsigned.status_code == 401
    first = slack(server, "command", command("help"))
    assert first.status_code == 200
    replay = slack(server, "command", None, replay_of=first.sent)
    assert replay.status_code == 401 and "replay" in replay.json()["message"]
    wrong_token = requests.post(f"{server.url}/chat/mattermost", data={**command("help"), "token": "nope"}, timeout=10)
    assert wrong_token.status_code == 401


def test_unlinked_user_gets_a_helpful_reply_and_nothing_is_stored(server):
    before = len(all_statements(server))
    reply = slack(server, "command", command("Learned about WAL", user="U-unlinked"))
    assert reply.status_code == 200 and "not linked" in reply.json()["text"]
    assert "/learned link CODE" in reply.json()["text"]
    assert len(all_statements(server)) == before


def test_linked_users_learning_lands_in_their_timeline(server):
    session = space_session(server)
    code = link_code(session, server)
    linked = slack(server, "command", command(f"link {code}"))
    assert "Linked" in linked.json()["text"]
    again = slack(server, "command", command(f"link {code}", user="U-other"))
    assert "unknown or expired" in again.json()["text"]  # a code works once

    started = time.monotonic()
    reply = slack(server, "command", command("How SQLite checkpoints the WAL #databases"))
    answered_in = time.monotonic() - started
    assert reply.status_code == 200 and "Recorded" in reply.json()["text"]
    assert answered_in < 3.0  # Slack's limit for an answer

    stored = next(s for s in all_statements(server) if s["verb"]["id"].endswith("learned-from"))
    # the title without the hashtag it ends with (a tag), and no reflection repeating it
    assert stored["object"]["definition"]["name"]["en"] == "How SQLite checkpoints the WAL"
    assert "result" not in stored
    assert stored["context"]["contextActivities"]["parent"][0]["id"] == "https://acme.slack.com/archives/C1"
    assert stored["context"]["extensions"]["http://id.tincanapi.com/extension/tags"] == ["databases"]
    assert stored["actor"]["account"]["name"] == server.first_login["admin"]["username"]
    timeline = session.get(f"{server.url}/space/?tag=databases", timeout=10).text
    assert "How SQLite checkpoints the WAL" in timeline

    action = {"type": "message_action", "callback_id": "save_learning", "team": {"id": "T1", "domain": "acme"},
              "channel": {"id": "C1", "name": "dev"}, "user": {"id": "U1", "name": "ann"},
              "message": {"text": "Tip: use EXPLAIN QUERY PLAN before adding an index", "ts": "1700000000.000100"}}
    saved = slack(server, "action", {"payload": json.dumps(action)})
    assert saved.status_code == 200 and "Saved" in saved.json()["text"]
    shared = next(s for s in all_statements(server) if s["verb"]["id"].endswith("/saved"))
    assert shared["object"]["id"] == "https://acme.slack.com/archives/C1/p1700000000000100"
    assert shared["context"]["extensions"]["https://learnfolio.example/xapi/extensions/quote"].startswith("Tip:")


def test_mattermost_command_with_its_token(server):
    session = space_session(server)
    code = link_code(session, server)
    form = {**command(f"link {code}", user="MM1"), "token": TOKEN, "team_domain": "acme"}
    assert "Linked" in requests.post(f"{server.url}/chat/mattermost", data=form, timeout=10).json()["text"]
    form["text"] = "Pairing with Sam on the flaky test"
    reply = requests.post(f"{server.url}/chat/mattermost", data=form, timeout=10).json()
    assert "Recorded" in reply["text"]
    stored = next(s for s in all_statements(server) if s["context"].get("platform") == "Mattermost")
    assert stored["object"]["definition"]["name"]["en"] == "Pairing with Sam on the flaky test"
    long_note = "Pairing with Sam: " + "the flaky test came from a shared temp folder between workers. " * 3
    form["text"] = long_note + "#testing"
    requests.post(f"{server.url}/chat/mattermost", data=form, timeout=10)
    stored = next(s for s in all_statements(server) if "#testing" in (s.get("result") or {}).get("response", ""))
    assert stored["object"]["definition"]["name"]["en"].endswith("…")  # shortened: the whole text is the response
    assert len(stored["object"]["definition"]["name"]["en"]) == 120


def test_the_chat_panel_says_when_no_chat_is_connected(tmp_path):
    """Without a Slack secret or a Mattermost token there is nothing to link: no codes are handed out."""
    from lrs.auth.personal import create_person
    from tests.conftest import make_app
    from tests.plugins.space.conftest import PASSWORD, Browser

    app = make_app(tmp_path, load=("space", "chat"))
    ctx = app.extensions["lrs"]
    create_person(ctx.store, ctx.config, "ann", PASSWORD)
    b = Browser(app).signin("ann")
    page = b.get("/space/chat/").get_data(as_text=True)
    assert "No chat is connected to this Learnfolio" in page and "Link a chat account" not in page
    refused = b.post("/space/chat/", token_from="/space/chat/")
    assert refused.status_code == 400 and "/learned link" not in refused.get_data(as_text=True)
    assert ctx.store.list_items("chat-link-code") == []
    connected = make_app(tmp_path / "2", load=("space", "chat"), chat_mattermost_token="t")
    create_person(connected.extensions["lrs"].store, connected.extensions["lrs"].config, "ann", PASSWORD)
    b = Browser(connected).signin("ann")
    assert "Link a chat account" in b.get("/space/chat/").get_data(as_text=True)


def test_statements_pass_the_lrs_validation():
    from lrs.config import Config
    from lrs.xapi.validation import validate_statement
    from lrs_chat.statements import LEARNED, SAVED, chat_statement

    for verb in (LEARNED, SAVED):
        statement = chat_statement(Config(), "ann", platform="Slack", verb=verb, text="x #y", channel_name="dev",
                                   channel_url="https://acme.slack.com/archives/C1", quote="q")
        validate_statement(statement, version="2.0.0")
        validate_statement(statement, version="1.0.3")
