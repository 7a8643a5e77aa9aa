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


HASHTAG = re.compile(r"(?<![\w&])#([\w-]{1,40})")
#: the hashtags a note ends with: tags, not words of its title ("… #kafka #retries")
TRAILING_HASHTAGS = re.compile(r"(?:\s*(?<![\w&])#[\w-]{1,40})+\s*$")
TITLE_LENGTH = 120


def hashtags(text: str) -> list[str]:
    return list(dict.fromkeys(HASHTAG.findall(text)))[:20]


def chat_statement(config, username: str, *, platform: str, verb: tuple[str, str], text: str,
                   channel_name: str, channel_url: str, message_url: str | None = None,
                   quote: str | None = None) -> dict:
    """A statement of what was learned or shared, in which channel, with the message link.

    The title is the text without the hashtags it ends with (they become tags; one inside a
    sentence stays as its word); the whole text is the
    response only when the title had to shorten it, so a short note is not said twice."""
    plain = " ".join(HASHTAG.sub(r"\1", TRAILING_HASHTAGS.sub("", text)).split()) or " ".join(text.split())
    title = plain if len(plain) <= TITLE_LENGTH else plain[:TITLE_LENGTH - 1].rstrip() + "…"
    title = title or "(no text)"
    object_id = message_url or f"{channel_url}#learned-{uuid.uuid4()}"
    statement = {
        "id": str(uuid.uuid4()),
        "actor": person_agent(config, username),
        "verb": {"id": verb[0], "display": {"en": verb[1]}},
        "object": {"objectType": "Activity", "id": object_id,
                   "definition": {"name": {"en": title}, "type": CHAT_MESSAGE}},
        "context": {
            "platform": platform,
            "contextActivities": {"parent": [{"objectType": "Activity", "id": channel_url, "definition": {
                "name": {"en": f"#{channel_name}"}, "type": CHAT_CHANNEL}}]},
        },
        "timestamp": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    if title != plain:
        statement["result"] = {"response": text[:10_000]}
    extensions = {}
    tags = hashtags(text + " " + (quote or ""))
    if tags:
        extensions[TAGS] = tags
    if quote:
        extensions[QUOTE] = quote[:10_000]
    if extensions:
        statement["context"]["extensions"] = extensions
    return statement
