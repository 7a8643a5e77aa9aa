"""People and their personal keys: the ownership model of ../shared/OWNERSHIP.md.

A statement belongs to a person when its actor (or a member of a Group actor) is
one of their verified identities. A personal key acts for one person: it writes
only statements that belong to them and reads only what belongs to them.
"""

from __future__ import annotations

import datetime as dt

from lrs.auth.credentials import AUTHORITY_HOME_PAGE, Credential, hash_secret, new_key, new_secret
from lrs.auth.passwords import hash_password
from lrs.errors import BadRequest, Forbidden
from lrs.xapi.agents import agent_keys_with_members

#: what a personal key may do: write and read its person's statements, state and agent profile
PERSONAL_SCOPES = ("statements/write", "statements/read/mine", "state", "profile")


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


def owner_keys(store, person_id: int) -> tuple[str, ...]:
    """The agent keys whose statements belong to the person."""
    return tuple(i.key for i in store.list_identities(person_id, verified=True))


def belongs(statement: dict, keys) -> bool:
    return bool(set(agent_keys_with_members(statement.get("actor") or {})) & set(keys))


def require_own_actor(statement: dict, keys, location: str) -> None:
    if not belongs(statement, keys):
        raise Forbidden(
            "a personal key writes only statements whose actor is its person (one of their verified"
            " identities, or a Group with one of them as member); claim the identity in your learning space",
            location=f"{location}.actor",
        )


def require_own_agent(agent_key: str | None, keys, location: str = "agent") -> None:
    if agent_key is None or agent_key not in keys:
        raise Forbidden("a personal key reaches only the documents of its own person's identities",
                        location=location)
