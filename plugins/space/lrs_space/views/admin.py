"""People administration: people (disable, re-enable, remove, roles, reset links), invitations,
claimed identities waiting for verification, and tool keys that send statements.

Every decision is the access gate's (``Access.may_administer``, ``check_people_change``,
``may_create_credential``, ``may_revoke_credential``); administering gives no one's records.
"""

from __future__ import annotations

import datetime as dt

from flask import abort, g, redirect, request, url_for

from lrs import (
    ADMIN_TOOL_SCOPES, admin_only, agent_key, create_tool_credential, end_all_sessions, end_session, Forbidden,
    invite, lrs_app, LRSError, pending_invitations, public_link, render, revoke_invitation,
)
from lrs_space.mail import mail_configured, send_mail
from lrs_space.web import bp

#: what the people page says after an action (keys in the redirect, never text from the request)
DONE = {
    "disable": "Disabled: every session of theirs is ended and their keys are refused.",
    "enable": "Re-enabled.",
    "make-admin": "They are an administrator now.",
    "unmake-admin": "They are no longer an administrator.",
    "remove": "Removed: everything of theirs is erased.",
    "send-reset": "A link to choose a new password was mailed to their verified address.",
    "revoked": "Revoked.",
    "rejected": "The claim is rejected.",
}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def _page(link=None, created=None, status=200):
    store = lrs_app().store
    people = store.list_people()
    by_id = {p.id: p for p in people}
    identities: dict[int, list] = {}
    for identity in store.list_identities():
        identities.setdefault(identity.person_id, []).append(identity)
    pending = [(i, by_id.get(i.person_id)) for i in store.list_identities(verified=False)]
    invitations = [(i, by_id.get(i.person_id)) for i in pending_invitations(store)]
    tools = [c for c in store.list_credentials() if c.person_id is None]
    return render("admin.html", link=link, created=created, people=people, identities=identities, pending=pending,
                  invitations=invitations, tools=tools, done=DONE.get(request.args.get("done", "")),
                  tool_scopes=sorted(ADMIN_TOOL_SCOPES), mail=mail_configured(lrs_app().config)), status


@bp.route("/admin", methods=["GET", "POST"])
@bp.route("/admin/people", methods=["GET", "POST"])
@admin_only
def admin():
    link = None
    if request.method == "POST":
        link = public_link("space.signup", invite=invite(lrs_app().store, g.person, request.form.get("email")))
    return _page(link=link)


def _addresses(store, person) -> list[str]:
    """Where to tell a person something: their verified e-mail identities, else the address on file."""
    found = [i.agent["mbox"][len("mailto:"):] for i in store.list_identities(person.id, verified=True)
             if "mbox" in i.agent]
    return found or ([person.email] if person.email else [])


@bp.route("/admin/people/<int:person_id>", methods=["POST"])
@admin_only
def admin_person(person_id: int):
    store, config = lrs_app().store, lrs_app().config
    person = store.get_person_by_id(person_id)
    if person is None:
        abort(404, description="no such person")
    action = request.form.get("action", "")
    if action not in DONE or action in ("revoked", "rejected"):
        abort(400, description="unknown action; one of: disable, enable, make-admin, unmake-admin, remove, "
                               "send-reset")
    g.access.check_people_change(store, person, action)
    if action == "disable":
        store.update_person(person.id, disabled=True)
        end_all_sessions(person.id)
    elif action == "enable":
        store.update_person(person.id, disabled=False)
    elif action in ("make-admin", "unmake-admin"):
        store.update_person(person.id, is_admin=action == "make-admin")
    elif action == "send-reset":
        _send_reset(person)
    elif action == "remove":
        if not g.access.may_erase(person.id):
            abort(403, description="only an administrator may remove a person")
        _tell_removed(person, _addresses(store, person))
        store.erase_person(person.id, erased_home_page=config.erased_home_page)
        if person.id == g.person.id:
            end_session()
            return redirect(url_for("space.signin"))
    return redirect(url_for("space.admin", done=action))


def _send_reset(person) -> None:
    """By mail to the person only: an administrator never sees the link (with it they could sign in
    as the person and read their records)."""
    from lrs_space.views.account import send_reset_mail

    store, config = lrs_app().store, lrs_app().config
    if not config.passwords:
        abort(403, description="passwords are turned off here")
    addresses = [a for a in _addresses(store, person) if store.identity_owner(agent_key({"mbox": f"mailto:{a}"})) == person.id]
    if not mail_configured(config) or not addresses:
        abort(409, description=f"{person.username} has no verified e-mail address this site can mail; the "
                               f"operator can run `lrs people reset-password {person.username}` on the server")
    if not send_reset_mail(person, addresses[0]):
        abort(503, description="the mail could not be sent; try again later")


def _tell_removed(person, addresses: list[str]) -> None:
    if not mail_configured(lrs_app().config):
        return
    for address in addresses:
        try:
            send_mail(lrs_app().config, address, "Your Learnfolio account was removed",
                      f"An administrator removed the Learnfolio account {person.username}.\n"
                      "Everything that was yours there (your records, keys, identities, goals and shares) is "
                      "erased, and statements that only mentioned you no longer name you.\n"
                      "If you did not expect this, ask your organisation's administrator.")
        except OSError:
            pass  # the removal goes on: it was asked for, and mail is best effort


@bp.route("/admin/invitations/<item_id>/revoke", methods=["POST"])
@admin_only
def admin_invitation_revoke(item_id: str):
    revoke_invitation(lrs_app().store, item_id)
    return redirect(url_for("space.admin", done="revoked"))


@bp.route("/admin/verify", methods=["POST"])
@admin_only
def admin_verify():
    try:
        lrs_app().store.verify_identity(int(request.form.get("person_id", "0")), request.form.get("key", ""),
                                        f"admin:{g.person.username}")
    except (LRSError, ValueError):
        pass  # someone else holds it verified: the claim stays pending and shows so
    return redirect(url_for("space.admin"))


@bp.route("/admin/reject", methods=["POST"])
@admin_only
def admin_reject():
    store = lrs_app().store
    try:
        person_id = int(request.form.get("person_id", "0"))
    except ValueError:
        abort(400, description="person_id must be a number")
    key = request.form.get("key", "")
    if any(i.key == key and not i.verified for i in store.list_identities(person_id)):
        store.remove_identity(person_id, key)
    return redirect(url_for("space.admin", done="rejected"))


@bp.route("/admin/credentials", methods=["POST"])
@admin_only
def admin_credential_create():
    name = request.form.get("name", "").strip()[:100] or "tool"
    scopes = tuple(dict.fromkeys(request.form.getlist("scope"))) or ("statements/write",)
    if not g.access.may_create_credential(scopes):
        raise Forbidden("a key made here may only send statements (and read back its own); keys that read "
                        "everyone's records are made by the operator with `lrs credentials create`")
    credential, secret = create_tool_credential(lrs_app().store, lrs_app().config, name, scopes)
    return _page(created={"key": credential.key, "secret": secret, "name": credential.name,
                          "scopes": credential.scopes}, status=201)


@bp.route("/admin/credentials/<key>/revoke", methods=["POST"])
@admin_only
def admin_credential_revoke(key: str):
    store = lrs_app().store
    if not g.access.may_revoke_credential(store.get_credential(key)):
        abort(404, description="no such tool key")
    store.revoke_credential(key, _now())
    return redirect(url_for("space.admin", done="revoked"))

