"""``lrs people``: the operator's commands for people on the server (the people page's, for when
no administrator can sign in, or a person has no verified address to mail a reset link to)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import click

from lrs import Access, command_app, issue_reset, LRSError

#: how long a reset link the operator hands over stays good (longer than a mailed one: it is carried by hand)
HANDED_OVER_MINUTES = 24 * 60


@click.group(help="List people, hand over a password reset link, disable or re-enable, make or unmake admins.")
def people():
    pass


def _person(lrs, username: str):
    person = lrs.store.get_person(username)
    if person is None:
        raise click.ClickException(f"no person named {username!r}")
    return person


@people.command("list", help="Everyone with an account: role, state, last sign-in (never anyone's records).")
@click.option("--json", "as_json", is_flag=True)
def list_people(as_json):
    rows = [{"username": p.username, "email": p.email, "admin": p.is_admin, "disabled": p.disabled,
             "created": p.created, "last_sign_in": p.last_sign_in} for p in command_app().store.list_people()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        click.echo(f"{r['username']:<24} {'admin' if r['admin'] else 'person':<7} "
                   f"{'disabled' if r['disabled'] else 'enabled':<9} last sign-in {r['last_sign_in'] or 'never'}")


@people.command("reset-password", help="Print a one-time link (valid 24 hours) for USER to choose a new password.")
@click.argument("username")
def reset_password(username):
    lrs = command_app()
    if not lrs.config.passwords:
        raise click.ClickException("passwords are turned off here (LRS_PASSWORDS=off)")
    person = _person(lrs, username)
    try:
        token = issue_reset(lrs.store, person, minutes=HANDED_OVER_MINUTES)
    except LRSError as error:
        raise click.ClickException(error.message) from None
    link = f"{lrs.config.public_origin}/space/password/reset?{urlencode({'token': token})}"
    click.echo(f"Give this link to {username} (it works once, within 24 hours; their sessions end when they use it):"
               f"\n{link}")


def _change(username: str, change: str, **fields):
    lrs = command_app()
    person = _person(lrs, username)
    try:
        Access.operator().check_people_change(lrs.store, person, change)
    except LRSError as error:
        raise click.ClickException(error.message) from None
    lrs.store.update_person(person.id, **fields)
    return lrs, person


@people.command(help="Disable USER: no sign-in of any kind, no key; nothing is erased.")
@click.argument("username")
def disable(username):
    lrs, person = _change(username, "disable", disabled=True)
    for session in lrs.store.list_items("session", person_id=person.id):  # their open sessions end now
        lrs.store.delete_item("session", session.item_id)
    click.echo(f"disabled {username}")


@people.command(help="Re-enable USER.")
@click.argument("username")
def enable(username):
    _change(username, "enable", disabled=False)
    click.echo(f"enabled {username}")


@people.command("make-admin", help="Make USER an administrator (people admin; never anyone's records).")
@click.argument("username")
def make_admin(username):
    _change(username, "make-admin", is_admin=True)
    click.echo(f"{username} is an administrator")


@people.command("unmake-admin", help="Make USER no longer an administrator (never the last one).")
@click.argument("username")
def unmake_admin(username):
    _change(username, "unmake-admin", is_admin=False)
    click.echo(f"{username} is no longer an administrator")

