"""Rule 11: counters and one-time tokens are atomic across threads and worker processes.

Against a real server with several server workers on one SQLite file: parallel wrong sign-ins
are each counted before any password is checked, so no more than the limit are ever checked;
parallel sign-ups on one invitation create exactly one account; and one client address alone
cannot lock a person out (the limits are per address and per username with address)."""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from lrs.app import create_app
from lrs.auth.personal import create_person
from lrs.store.base import Item
from lrs.store.sqlite import SQLiteStore
from tests.conftest import SECRET_KEY
from tests.e2e.server import running_server
from tests.plugins.space.conftest import Browser
from tests.security.conftest import PASSWORD, Web, add_people

WRONG = "wrong-wrong-wrong"
#: the limits of docs/security.md (lrs_space.views.account), per 15 minutes: passwords checked for one
#: username from one address, failed sign-ins from one address, and for one username from all addresses
USERNAME_PER_ADDRESS_LIMIT = 5
ADDRESS_LIMIT = 20
USERNAME_LIMIT = 30


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("atomic")
    with running_server(home, workers=3, env={"LRS_SIGNUP": "invite"}) as running:
        add_people(home, "ann", "bob", "dan", "eve", admin="eve")
        yield running


def all_at_once(count: int, attempt) -> list:
    """``attempt(i)`` in ``count`` threads released together."""
    start = threading.Barrier(count)

    def run(i):
        start.wait()
        return attempt(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_parallel_wrong_sign_ins_are_each_counted_before_the_password_is_checked(server):
    client = Web(server.url, "127.0.0.2")
    token = client.token()
    statuses = all_at_once(40, lambda i: client.post(
        "/space/signin", {"username": "ann", "password": WRONG}, token=token).status_code)
    checked = statuses.count(401)  # a password was checked and did not match
    assert checked <= USERNAME_PER_ADDRESS_LIMIT, f"{checked} of 40 parallel guesses were checked"
    assert statuses.count(429) == 40 - checked
    # the right password from that address is refused too, until the window ends
    late = client.post("/space/signin", {"username": "ann", "password": PASSWORD}, token=token)
    assert late.status_code == 429 and "Too many" in late.text
    # from another address, ann signs in: one address alone cannot lock her out
    Web(server.url, "127.0.0.3").signin("ann")


def test_one_address_cannot_spray_many_usernames(server):
    client = Web(server.url, "127.0.0.4")
    token = client.token()
    statuses = [client.post("/space/signin", {"username": f"nobody{i}", "password": WRONG}, token=token).status_code
                for i in range(ADDRESS_LIMIT + 5)]
    assert statuses == [401] * ADDRESS_LIMIT + [429] * 5
    # a person whose own password is right, from elsewhere, is not affected
    Web(server.url, "127.0.0.5").signin("bob")


def test_guesses_from_many_addresses_together_are_limited_per_username(server):
    addresses = [f"127.0.1.{n}" for n in range(1, USERNAME_LIMIT // USERNAME_PER_ADDRESS_LIMIT + 2)]
    assert len(addresses) > 1  # the per-username limit needs more than one address to reach
    statuses = []
    for address in addresses:
        client = Web(server.url, address)
        token = client.token()
        statuses += [client.post("/space/signin", {"username": "dan", "password": WRONG}, token=token).status_code
                     for _ in range(USERNAME_PER_ADDRESS_LIMIT)]
    assert statuses.count(401) == USERNAME_LIMIT
    assert Web(server.url, "127.0.2.1").post("/space/signin", {"username": "dan", "password": PASSWORD}
                                             ).status_code == 429


def test_parallel_sign_ups_on_one_invitation_create_one_account(server):
    store = SQLiteStore(server.home / "lrs.sqlite3")
    try:
        invite = "one-invitation-for-one-person"
        admin = store.get_person("eve")
        store.put_item(Item("invite", hashlib.sha256(invite.encode()).hexdigest(), admin.id,
                            {"email": None, "expires": "2999-01-01T00:00:00+00:00"}))
        before = len(store.list_people())
        browsers = [Web(server.url) for _ in range(12)]
        tokens = [b.token(f"/space/signup?invite={invite}") for b in browsers]
        statuses = all_at_once(12, lambda i: browsers[i].post(
            "/space/signup", {"invite": invite, "username": f"newcomer{i}", "password": PASSWORD,
                              "password2": PASSWORD}, token=tokens[i]).status_code)
        assert statuses.count(302) == 1, statuses
        assert len(store.list_people()) == before + 1
        assert store.get_item("invite", hashlib.sha256(invite.encode()).hexdigest()) is None
    finally:
        store.close()


def test_a_failed_sign_up_keeps_the_invitation(tmp_path):
    app = create_app({"home": tmp_path, "secret_key": SECRET_KEY, "load_plugins": ("space",)})
    store = app.extensions["lrs"].store
    admin = create_person(store, app.extensions["lrs"].config, "admin", PASSWORD, is_admin=True)
    create_person(store, app.extensions["lrs"].config, "taken", PASSWORD)
    store.put_item(Item("invite", hashlib.sha256(b"inv").hexdigest(), admin.id,
                        {"email": None, "expires": "2999-01-01T00:00:00+00:00"}))
    b = Browser(app)
    form = {"invite": "inv", "username": "taken", "password": PASSWORD, "password2": PASSWORD}
    assert b.post("/space/signup", form, token_from="/space/signup?invite=inv").status_code == 400
    form["username"] = "fresh"
    assert b.post("/space/signup", form, token_from="/space/signup?invite=inv").status_code == 302
    assert store.get_person("fresh") is not None


def test_an_expired_invitation_is_refused(tmp_path):
    app = create_app({"home": tmp_path, "secret_key": SECRET_KEY, "load_plugins": ("space",)})
    store = app.extensions["lrs"].store
    admin = create_person(store, app.extensions["lrs"].config, "admin", PASSWORD, is_admin=True)
    store.put_item(Item("invite", hashlib.sha256(b"old").hexdigest(), admin.id,
                        {"email": None, "expires": "2000-01-01T00:00:00+00:00"}))
    assert Browser(app).get("/space/signup?invite=old").status_code == 403


def test_client_addresses_come_from_the_socket_unless_proxies_are_configured(tmp_path):
    """X-Forwarded-For is ignored by default (anyone could send it); with LRS_PROXY_HOPS it is read."""
    for hops, forwarded_address_counts in ((0, False), (1, True)):
        app = create_app({"home": tmp_path / str(hops), "secret_key": SECRET_KEY, "load_plugins": ("space",), "proxy_hops": hops})
        create_person(app.extensions["lrs"].store, app.extensions["lrs"].config, "ann", PASSWORD)
        b = Browser(app)
        token = b.token()
        for _ in range(USERNAME_PER_ADDRESS_LIMIT):
            b.client.post("/space/signin", data={"csrf_token": token, "username": "ann", "password": WRONG},
                          headers={"X-Forwarded-For": "203.0.113.7"})
        other = b.client.post("/space/signin", data={"csrf_token": token, "username": "ann", "password": PASSWORD},
                              headers={"X-Forwarded-For": "198.51.100.9"})
        # behind a proxy the next client is another address; without one, every request is the same socket peer
        assert other.status_code == (302 if forwarded_address_counts else 429), hops
