"""People's accounts beyond one request: invitations, password reset tokens, and who someone
signing in through an identity provider is.

Free of Flask: the pages (the space), the sign-in providers (``register_sign_in``) and the
commands call these. Tokens are random, kept only as their SHA-256, expire, and are used once
(``Store.take_item``: of two uses racing, one gets it). Who may administer people is the
access gate's question (:mod:`lrs.access`), not this module's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass, field

from lrs.access import Access
from lrs.auth.personal import create_person
from lrs.errors import Conflict, Forbidden, LRSError
from lrs.store.base import Item, Person
from lrs.xapi.agents import agent_key

#: invitations to make an account (the kind is the one invitations always had)
INVITE = "invite"
INVITE_DAYS = 14
#: password reset tokens: short-lived, one at a time per person
RESET = "password-reset"
RESET_MINUTES = 30


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def token_id(token: str) -> str:
    """What a token is kept as: its SHA-256 (a copy of the store gives no usable token)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _alive(item: Item | None) -> Item | None:
    return item if item is not None and item.body.get("expires", "") > _now().isoformat() else None


def mbox_agent(address: str) -> dict:
    return {"objectType": "Agent", "mbox": f"mailto:{address.strip()}"}


# -- invitations -----------------------------------------------------------------------------------


def invite(store, by: Person, email: str | None) -> str:
    """A new invitation (valid INVITE_DAYS, once); the token for its link."""
    token = secrets.token_urlsafe(24)
    expires = (_now() + dt.timedelta(days=INVITE_DAYS)).isoformat()
    address = (email or "").strip()[:200] or None
    store.put_item(Item(INVITE, token_id(token), by.id, {"email": address, "expires": expires}))
    return token


def invitation(store, token: str | None) -> Item | None:
    """The invitation a link carries, while it is unused and unexpired."""
    return _alive(store.get_item(INVITE, token_id(token))) if token else None


def pending_invitations(store) -> list[Item]:
    return [i for i in store.list_items(INVITE) if _alive(i)]


def revoke_invitation(store, item_id: str) -> bool:
    """An administrator takes an invitation back before it is used."""
    return store.delete_item(INVITE, item_id)


def take_invitation(store, item: Item) -> Item | None:
    """Use an invitation up, once (None when another sign-up took it first)."""
    return _alive(store.take_item(INVITE, item.item_id))


def invitation_for_address(store, address: str) -> Item | None:
    """A pending invitation sent to this address (any letter case), for a provider's verified e-mail."""
    wanted = address.strip().lower()
    return next((i for i in pending_invitations(store) if (i.body.get("email") or "").lower() == wanted), None)


def verify_invited_address(store, person: Person, item: Item) -> None:
    """The address an invitation was sent to becomes a verified identity of whoever signed up through
    its link: opening the link proved they read that mailbox. Left pending if someone holds it."""
    address = item.body.get("email")
    if not address:
        return
    try:
        store.add_identity(person.id, mbox_agent(address), verified_by="invitation")
    except LRSError:
        store.add_identity(person.id, mbox_agent(address))  # held by another: a claim an admin can look at
    if not person.email:
        store.update_person(person.id, email=address)


# -- password reset ----------------------------------------------------------------------------------


def person_with_address(store, address: str) -> Person | None:
    """The enabled person one of whose *verified* identities this e-mail address is, or None."""
    address = address.strip()
    if not address or "@" not in address or any(c in address for c in "\r\n\x00"):
        return None
    owner = store.identity_owner(agent_key(mbox_agent(address)))
    person = store.get_person_by_id(owner) if owner is not None else None
    return person if person is not None and not person.disabled else None


def issue_reset(store, person: Person, minutes: int = RESET_MINUTES) -> str:
    """A reset token for ``person`` (valid ``minutes``, once); earlier ones of theirs end."""
    if person.disabled:
        raise Forbidden("this account is disabled; an administrator can re-enable it")
    for earlier in store.list_items(RESET, person_id=person.id):
        store.delete_item(RESET, earlier.item_id)
    token = secrets.token_urlsafe(32)
    expires = (_now() + dt.timedelta(minutes=minutes)).isoformat()
    store.put_item(Item(RESET, token_id(token), person.id, {"expires": expires}))
    return token


def reset_request(store, token: str | None) -> Item | None:
    """The reset a link carries, while unused and unexpired."""
    return _alive(store.get_item(RESET, token_id(token))) if token else None


def take_reset(store, token: str | None) -> Item | None:
    """Use a reset token up: of two uses at once, one gets it; an expired one is gone all the same."""
    return _alive(store.take_item(RESET, token_id(token))) if token else None


# -- sign-in through an identity provider -----------------------------------------------------------


@dataclass(frozen=True)
class Assertion:
    """What an identity provider asserted about who is signing in, already checked by its plugin
    (signature, issuer, audience, expiry, nonce for OpenID Connect; the same for SAML later).

    ``issuer`` and ``subject`` become the xAPI account ``{homePage: issuer, name: subject}``; the
    e-mail becomes a verified identity only when ``email_verified``. ``is_admin`` is None when the
    provider is not asked (no admin group configured), else whether its groups make them one.
    """

    provider: str
    issuer: str
    subject: str
    username: str | None = None
    display_name: str | None = None
    email: str | None = None
    email_verified: bool = False
    is_admin: bool | None = None
    groups: tuple[str, ...] = field(default=())

    @property
    def account(self) -> dict:
        agent = {"objectType": "Agent", "account": {"homePage": self.issuer, "name": self.subject}}
        if self.display_name:
            agent["name"] = self.display_name
        return agent

    @property
    def verified_email(self) -> str | None:
        return self.email.strip() if self.email and self.email_verified and "@" in self.email else None


_USERNAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def _free_username(store, *wanted: str | None) -> str:
    """A username from the first usable wish (claims, the e-mail's local part), made unique with a number."""
    bases = []
    for wish in wanted:
        if wish:
            base = _USERNAME_CHARS.sub("-", wish.split("@")[0]).strip(".-_")[:56]
            if base:
                bases.append(base)
    base = bases[0] if bases else "person"
    for n in range(1, 1000):
        name = base if n == 1 else f"{base}-{n}"
        if store.get_person(name) is None:
            return name
    return f"{base}-{secrets.token_hex(4)}"


def person_for_assertion(store, config, assertion: Assertion, *, just_in_time: bool,
                         invite_token: str | None = None, current: Person | None = None) -> Person:
    """The person an identity provider's assertion signs in, linked or made; refused with a
    clear message (Forbidden, Conflict) and nothing created when it may not sign in.

    Known by the account identity ``{homePage: issuer, name: sub}`` (never by e-mail alone, so
    a provider that lets people choose their address takes no one's account). Someone signed in
    already links the account to themselves. Otherwise a first sign-in makes an account when the
    provider is just-in-time, or with an invitation (its link, or one sent to the verified e-mail).
    """
    key = agent_key(assertion.account)
    owner_id = store.identity_owner(key)
    if owner_id is not None:
        person = store.get_person_by_id(owner_id)
        if current is not None and current.id != owner_id:
            raise Conflict("that account of the identity provider belongs to another person here")
        _refuse_disabled(person)
        _update_from(store, person, assertion)
        return store.get_person_by_id(person.id)
    if current is not None:  # linking while signed in
        _refuse_disabled(current)
        store.add_identity(current.id, assertion.account, verified_by=f"provider:{assertion.provider}")
        _update_from(store, current, assertion)
        return store.get_person_by_id(current.id)
    address = assertion.verified_email
    if address and store.identity_owner(agent_key(mbox_agent(address))) is not None:
        raise Conflict(f"the address {address} is already an identity of an account here: sign in to that "
                       "account with its password and connect this identity provider from Identities")
    invitation_item = None
    if not just_in_time:
        invitation_item = invitation(store, invite_token) or (invitation_for_address(store, address) if address
                                                              else None)
        if invitation_item is None:
            raise Forbidden("there is no account here for you yet, and accounts are by invitation: ask an "
                            "administrator for one")
        invitation_item = take_invitation(store, invitation_item)
        if invitation_item is None:
            raise Forbidden("this invitation has just been used; ask an administrator for another")
    try:
        person = _make_person(store, config, assertion)
    except LRSError:
        if invitation_item is not None:
            store.put_item(invitation_item)  # nobody signed up with it: it stays good
        raise
    if invitation_item is not None and invite_token:  # came through the mailed link: that mailbox is theirs
        verify_invited_address(store, person, invitation_item)
    if assertion.is_admin:
        store.update_person(person.id, is_admin=True)
    return store.get_person_by_id(person.id)


def _make_person(store, config, assertion: Assertion) -> Person:
    username = _free_username(store, assertion.username, assertion.verified_email, assertion.display_name)
    # a password nobody knows: this person signs in through the provider (or sets one by a reset)
    person = create_person(store, config, username, secrets.token_urlsafe(32), email=assertion.verified_email)
    try:
        store.add_identity(person.id, assertion.account, verified_by=f"provider:{assertion.provider}")
        if assertion.verified_email:
            store.add_identity(person.id, mbox_agent(assertion.verified_email),
                               verified_by=f"provider:{assertion.provider}")
    except LRSError:
        store.erase_person(person.id, erased_home_page=config.erased_home_page)  # as if never made
        raise Conflict("an identity this provider asserts is someone else's here; ask an administrator") from None
    return person


def _refuse_disabled(person: Person | None) -> None:
    if person is None or person.disabled:
        raise Forbidden("this account is disabled; an administrator can re-enable it")


def _update_from(store, person: Person, assertion: Assertion) -> None:
    """A later sign-in: a newly verified address is added, and the admin group decides the role
    (never taking away the last administrator)."""
    address = assertion.verified_email
    if address:
        key = agent_key(mbox_agent(address))
        if store.identity_owner(key) is None:
            try:
                store.add_identity(person.id, mbox_agent(address), verified_by=f"provider:{assertion.provider}")
            except LRSError:
                pass  # held in another letter case by someone else: not theirs to take
        if not person.email:
            store.update_person(person.id, email=address)
    if assertion.is_admin is True and not person.is_admin:
        store.update_person(person.id, is_admin=True)
    elif assertion.is_admin is False and person.is_admin:
        try:
            Access.operator().check_people_change(store, person, "unmake-admin")
        except LRSError:
            return  # the last administrator stays one until another is made
        store.update_person(person.id, is_admin=False)
