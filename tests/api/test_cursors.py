"""lrs/api/cursors.py: the tag of a `more` cursor stays what earlier releases issued, so links
handed out before an upgrade keep working after it."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from lrs.api import cursors
from lrs.errors import BadRequest


def _tag_as_issued(cursor: str, secret_key: str) -> str:
    key = hashlib.sha256(b"learnfolio: more cursor tags, v1\x00" + secret_key.encode()).digest()
    digest = hmac.new(key, cursor.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@pytest.mark.parametrize("secret_key", ["one secret", "another secret, ünïcode"])
def test_a_cursor_is_tagged_as_before_under_each_secret(secret_key):
    cursor = base64.urlsafe_b64encode(b'{"after":41,"upto":99}').decode().rstrip("=")
    token = cursors.sign(cursor, secret_key)
    assert token == f"{cursor}.{_tag_as_issued(cursor, secret_key)}"
    assert cursors.verify(token, secret_key) == cursor


def test_a_cursor_tagged_under_another_secret_is_refused():
    token = cursors.sign("eyJhZnRlciI6NDF9", "one secret")
    cursors.sign("eyJhZnRlciI6NDF9", "another secret")  # the other key derived (and kept) too
    with pytest.raises(BadRequest):
        cursors.verify(token, "another secret")
