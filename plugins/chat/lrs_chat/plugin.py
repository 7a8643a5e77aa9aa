"""Chat endpoints (``/chat/...``), the link flow and the space's Chat panel.

A chat user is linked to a person once: the person takes a one-time code from
the Chat panel of their space and sends ``/learned link CODE`` in chat. From
then on ``/learned …`` lands in their record. Configure with
``LRS_CHAT_SLACK_SIGNING_SECRET`` and ``LRS_CHAT_MATTERMOST_TOKEN``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets

from flask import Blueprint, g, jsonify, redirect, request, url_for

from lrs import (
    Access, BadRequest, Credential, hookimpl, Item, lrs_app, LRSError, page_blueprint, Panel, personal_authority,
    PERSONAL_SCOPES, render, save_statements, signed_in,
)
from lrs_chat.statements import LEARNED, SAVED, chat_statement
from lrs_chat.verify import REPLAY_WINDOW_SECONDS, verify_slack, verify_token

chat = Blueprint("chat", __name__, url_prefix="/chat")
panel = page_blueprint("chat_panel", __name__, "/space/chat")

LINK_CODE = "chat-link-code"
CHAT_USER = "chat-user"
SEEN = "chat-seen"
CODE_MINUTES = 15
#: random bytes in a link code (80 bits, 20 hex digits): not guessable within the attempt limit
CODE_BYTES = 10
#: wrong link codes one chat user may send per window before link attempts are refused
LINK_ATTEMPTS = 5
LINK_WINDOW_SECONDS = 15 * 60

HELP = ("Record what you learned: `/learned <what you learned> #tags`. "
        "First link your chat account: open your Learnfolio space, go to Chat, and send `/learned link CODE`.")


#: the chat plugin's settings (``LRS_CHAT_SLACK_SIGNING_SECRET`` …): none is set by default
SETTINGS = {"slack_signing_secret": "", "mattermost_url": "", "mattermost_token": ""}


def _setting(name: str) -> str:
    return str(lrs_app().plugin_config("chat", SETTINGS)[name])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _reply(text: str):
    """What chat platforms show to the user who asked (only to them)."""
    return jsonify({"response_type": "ephemeral", "text": text})


def chat_credential(person, platform: str) -> Credential:
    name = f"{platform} chat"
    key = f"chat-{platform.lower()}"
    return Credential(key=f"{key}:{person.id}", name=name, scopes=PERSONAL_SCOPES,
                      authority=personal_authority(key, name, lrs_app().config, person.username), person_id=person.id)


def _linked_person(platform: str, team: str, user: str):
    item = lrs_app().store.get_item(CHAT_USER, f"{platform}:{team}:{user}")
    return lrs_app().store.get_person_by_id(item.person_id) if item else None


def _code_id(code: str) -> str:
    """Codes are read back as typed: case, spaces and dashes do not matter."""
    return hashlib.sha256("".join(code.split()).replace("-", "").upper().encode()).hexdigest()


def _link(platform: str, team: str, user: str, user_name: str, code: str):
    """Counted before the code is looked up, so parallel guesses are each counted; a right code
    takes its attempt back. The code is taken atomically: it links one chat account, once."""
    store = lrs_app().store
    attempt = ("chat-link-attempts", hashlib.sha256(f"{platform}:{team}:{user}".encode()).hexdigest())
    if store.count_attempt(*attempt, LINK_WINDOW_SECONDS) > LINK_ATTEMPTS:
        return _reply("Too many wrong link codes from this chat account; try again in 15 minutes.")
    item = store.take_item(LINK_CODE, _code_id(code))
    if item is None or item.body.get("expires", "") < _now().isoformat():
        return _reply("That code is unknown or expired. Take a new one from the Chat panel of your space.")
    store.uncount_attempt(*attempt)
    store.put_item(Item(CHAT_USER, f"{platform}:{team}:{user}", item.person_id,
                        {"platform": platform, "team": team, "user": user, "user_name": user_name}))
    person = store.get_person_by_id(item.person_id)
    return _reply(f"Linked: what you send with /learned now goes to {person.username}'s learning record.")


def _record(platform: str, person, statement: dict):
    access = Access.for_person(lrs_app().store, person, credential=chat_credential(person, platform))
    save_statements(lrs_app(), [statement], {}, access=access, version="2.0.0")


def _first_use(signature: str) -> None:
    """Refuse a signature seen before inside the replay window (and forget old ones)."""
    store = lrs_app().store
    seen_id = hashlib.sha256(signature.encode()).hexdigest()
    if store.get_item(SEEN, seen_id) is not None:
        from lrs import Unauthorized

        raise Unauthorized("this request was already received (a replay)", location="X-Slack-Signature")
    expires = (_now() + dt.timedelta(seconds=2 * REPLAY_WINDOW_SECONDS)).isoformat()
    store.put_item(Item(SEEN, seen_id, None, {"expires": expires}))
    if secrets.randbelow(50) == 0:
        for old in store.list_items(SEEN):
            if old.body.get("expires", "") < _now().isoformat():
                store.delete_item(SEEN, old.item_id)


def _slack_verified() -> None:
    signature = request.headers.get("X-Slack-Signature")
    verify_slack(_setting("slack_signing_secret"), request.headers.get("X-Slack-Request-Timestamp"),
                 signature, request.get_data())
    _first_use(signature)


def _channel_url(team_domain: str, channel_id: str, platform: str) -> str:
    if platform == "Slack":
        return f"https://{team_domain or 'slack'}.slack.com/archives/{channel_id}"
    base = _setting("mattermost_url") or "https://mattermost.example"
    return f"{base.rstrip('/')}/{team_domain}/channels/{channel_id}"


def _command(platform: str, form) -> object:
    """``/learned`` with ``help``, ``link CODE`` or what was learned."""
    text = (form.get("text") or "").strip()
    team, user = form.get("team_id", ""), form.get("user_id", "")
    if not team or not user:
        raise BadRequest("the command lacks team_id or user_id", location="user_id")
    if not text or text.lower() == "help":
        return _reply(HELP)
    if text.lower().startswith("link "):
        return _link(platform, team, user, form.get("user_name", ""), text[5:])
    person = _linked_person(platform, team, user)
    if person is None:
        return _reply("Your chat account is not linked to a Learnfolio space yet. " + HELP)
    statement = chat_statement(lrs_app().config, person.username, platform=platform, verb=LEARNED, text=text,
                               channel_name=form.get("channel_name", ""),
                               channel_url=_channel_url(form.get("team_domain", ""), form.get("channel_id", ""),
                                                        platform))
    try:
        _record(platform, person, statement)
    except LRSError as error:
        return _reply(f"That could not be recorded: {error.message}")
    return _reply(f"Recorded in your learning record: “{statement['object']['definition']['name']['en']}”")


@chat.route("/slack/command", methods=["POST"])
def slack_command():
    _slack_verified()
    return _command("Slack", request.form)


@chat.route("/slack/action", methods=["POST"])
def slack_action():
    """A message action ("Save this as learning") on someone's message."""
    _slack_verified()
    try:
        payload = json.loads(request.form.get("payload", ""))
        team, user = payload["team"]["id"], payload["user"]["id"]
        message, channel = payload["message"], payload["channel"]
        text = str(message.get("text", ""))
    except (ValueError, KeyError, TypeError):
        raise BadRequest("the action payload is not a Slack message action", location="payload") from None
    person = _linked_person("Slack", team, user)
    if person is None:
        return _reply("Your chat account is not linked to a Learnfolio space yet. " + HELP)
    domain = payload["team"].get("domain", "")
    channel_url = _channel_url(domain, channel.get("id", ""), "Slack")
    link = message.get("permalink") or f"{channel_url}/p{str(message.get('ts', '')).replace('.', '')}"
    statement = chat_statement(lrs_app().config, person.username, platform="Slack", verb=SAVED, text=text,
                               channel_name=channel.get("name", ""), channel_url=channel_url, message_url=link,
                               quote=text)
    _record("Slack", person, statement)
    return _reply("Saved to your learning record.")


@chat.route("/mattermost", methods=["POST"])
def mattermost():
    """A Mattermost slash command or outgoing webhook (its token in the form)."""
    verify_token(_setting("mattermost_token"), request.form.get("token"))
    form = request.form.to_dict()
    trigger = form.get("trigger_word")
    if trigger and form.get("text", "").startswith(trigger):
        form["text"] = form["text"][len(trigger):]
    return _command("Mattermost", form)


# -- the Chat panel of the space -------------------------------------------------------


@panel.route("/", methods=["GET", "POST"])
@signed_in
def chat_panel():
    store = lrs_app().store
    code = None
    connected = _connected()
    if request.method == "POST":
        if not connected:
            raise BadRequest("no chat is connected to this Learnfolio: there is nothing to link yet",
                             location="chat")
        code = secrets.token_hex(CODE_BYTES).upper()
        expires = (_now() + dt.timedelta(minutes=CODE_MINUTES)).isoformat()
        store.put_item(Item(LINK_CODE, _code_id(code), g.person.id, {"expires": expires}))
    linked = store.list_items(CHAT_USER, person_id=g.person.id)
    return render("chat.html", code=code, linked=linked, minutes=CODE_MINUTES, connected=connected)


def _connected() -> list[str]:
    """The chat platforms the operator connected (their secrets are set)."""
    return [name for name, setting in (("Slack", "slack_signing_secret"), ("Mattermost", "mattermost_token"))
            if _setting(setting)]


@panel.route("/unlink", methods=["POST"])
@signed_in
def chat_unlink():
    item = lrs_app().store.get_item(CHAT_USER, request.form.get("item", ""))
    if g.access.owns_item(item):
        lrs_app().store.delete_item(CHAT_USER, item.item_id)
    return redirect(url_for("chat_panel.chat_panel"))


@hookimpl
def register_routes(app):
    return [chat, panel]


@hookimpl
def register_panels():
    return [Panel("chat", "Chat", "chat_panel.chat_panel", 60)]
