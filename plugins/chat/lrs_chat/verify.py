"""Is this request really from the chat platform, now, and only once?

Slack-style: ``X-Slack-Signature: v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}")``
with ``X-Slack-Request-Timestamp`` within a replay window; a signature seen
before inside the window is a replay. Mattermost-style: a shared token.
See https://api.slack.com/authentication/verifying-requests-from-slack.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from lrs import Unauthorized

#: how old a signed request may be (Slack's own recommendation is five minutes)
REPLAY_WINDOW_SECONDS = 300


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify_slack(secret: str, timestamp: str | None, signature: str | None, body: bytes,
                 now: float | None = None) -> None:
    """Raise Unauthorized unless the signature is right and fresh."""
    if not secret:
        raise Unauthorized("this chat endpoint is not configured (no signing secret)", location="chat")
    if not timestamp or not signature:
        raise Unauthorized("the request is not signed (X-Slack-Signature, X-Slack-Request-Timestamp)",
                           location="X-Slack-Signature")
    try:
        sent = int(timestamp)
    except ValueError:
        raise Unauthorized("X-Slack-Request-Timestamp is not a number", location="X-Slack-Request-Timestamp") from None
    if abs((now or time.time()) - sent) > REPLAY_WINDOW_SECONDS:
        raise Unauthorized("the request is too old or from the future (replay window is 5 minutes)",
                           location="X-Slack-Request-Timestamp")
    if not hmac.compare_digest(slack_signature(secret, timestamp, body), signature):
        raise Unauthorized("the request signature does not match", location="X-Slack-Signature")


def verify_token(expected: str, sent: str | None) -> None:
    if not expected:
        raise Unauthorized("this chat endpoint is not configured (no token)", location="chat")
    if not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise Unauthorized("the token does not match", location="token")
