"""People and their personal keys (docs/ownership.md).

A personal key acts for one person; what it may read and write is decided by the
access gate (:mod:`lrs.access`), like every other ownership question.
"""

from __future__ import annotations

import datetime as dt

from lrs.access import PERSON_SCOPES
from lrs.auth.credentials import AUTHORITY_HOME_PAGE, Credential, hash_secret, new_key, new_secret
from lrs.auth.passwords import hash_password
from lrs.errors import BadRequest

#: what a personal key may do: write and read its person's statements, state and agent profile
PERSONAL_SCOPES = PERSON_SCOPES


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def person_agent(config, username: str) -> dict:
    """The xAPI Agent every person is from sign-up: an account on the deployment's people page."""
    return {"objectType": "Agent", "name": username,
            "account": {"homePage": config.people_home_page, "name": username}}


def create_person(store, config, username: str, password: str, *, email: str | None = None,
                  is_admin: bool = False):
    """A new person with their account identity, verified because the LRS itself issued it."""
    username = username.strip()
    if not username or len(username) > 64 or not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise BadRequest("a username is 1 to 64 letters, digits, dots, dashes or underscores", location="username")
    if len(password) < 10:
        raise BadRequest("a password needs at least 10 characters", location="password")
    person = store.add_person(username, hash_password(password), email=email, is_admin=is_admin)
    store.add_identity(person.id, person_agent(config, username), verified_by="signup")
    return person


def personal_authority(key: str, name: str, config, username: str) -> dict:
    """A Group of the key and the person: an application acting for a user (xAPI-Data.md §2.4.3)."""
    return {"objectType": "Group", "member": [
        {"objectType": "Agent", "name": name, "account": {"homePage": AUTHORITY_HOME_PAGE, "name": key}},
        person_agent(config, username),
    ]}


def create_personal_key(store, config, person, name: str) -> tuple[Credential, str]:
    """A key that acts for ``person``; the secret is returned once and stored only hashed."""
    name = name.strip()[:100] or "personal key"
    key, secret = new_key(), new_secret()
    credential = Credential(
        key=key, name=name, scopes=PERSONAL_SCOPES,
        authority=personal_authority(key, name, config, person.username),
        person_id=person.id, created=_now(), secret_hash=hash_secret(secret, config.resolved_secret_key()),
    )
    store.add_credential(credential)
    return credential, secret
