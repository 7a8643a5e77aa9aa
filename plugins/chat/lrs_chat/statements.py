"""The xAPI statements chat messages become."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from lrs import person_agent
from lrs_space import QUOTE, TAGS

LEARNED = ("https://learnfolio.example/xapi/verbs/learned-from", "learned")
SAVED = ("https://learnfolio.example/xapi/verbs/saved", "saved as learning")
CHAT_MESSAGE = "http://id.tincanapi.com/activitytype/chat-message"
CHAT_CHANNEL = "http://id.tincanapi.com/activitytype/chat-channel"


def hashtags(text: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r"(?<![\w&])#([\w-]{1,40})", text)))[:20]


def chat_statement(config, username: str, *, platform: str, verb: tuple[str, str], text: str,
                   channel_name: str, channel_url: str, message_url: str | None = None,
                   quote: str | None = None) -> dict:
    """A statement of what was learned or shared, in which channel, with the message link."""
    title = " ".join(text.split())[:120] or "(no text)"
    object_id = message_url or f"{channel_url}#learned-{uuid.uuid4()}"
    statement = {
        "id": str(uuid.uuid4()),
        "actor": person_agent(config, username),
        "verb": {"id": verb[0], "display": {"en": verb[1]}},
        "object": {"objectType": "Activity", "id": object_id,
                   "definition": {"name": {"en": title}, "type": CHAT_MESSAGE}},
        "result": {"response": text[:10_000]},
        "context": {
            "platform": platform,
            "contextActivities": {"parent": [{"objectType": "Activity", "id": channel_url, "definition": {
                "name": {"en": f"#{channel_name}"}, "type": CHAT_CHANNEL}}]},
        },
        "timestamp": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    extensions = {}
    tags = hashtags(text + " " + (quote or ""))
    if tags:
        extensions[TAGS] = tags
    if quote:
        extensions[QUOTE] = quote[:10_000]
    if extensions:
        statement["context"]["extensions"] = extensions
    return statement
