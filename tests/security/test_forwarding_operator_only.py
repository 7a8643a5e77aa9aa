"""Rule 7: a store-wide forwarding rule (every person's new statements to another LRS) is the
operator's alone, made on the command line; every person's Sharing page lists it among those who
could read their records."""

from __future__ import annotations

import html

from click.testing import CliRunner

from lrs.auth.personal import create_person
from lrs.cli import cli
from lrs.store.base import Item
from lrs_cpd import forwarding
from tests.plugins.cpd.conftest import PASSWORD, Browser, make_app

PAGE = "/space/cpd/forwarding"


def _people(app):
    ctx = app.extensions["lrs"]
    return (create_person(ctx.store, ctx.config, "ann", PASSWORD),
            create_person(ctx.store, ctx.config, "admin", PASSWORD, is_admin=True))


def test_a_web_admin_cannot_add_a_store_wide_rule(tmp_path):
    app = make_app(tmp_path / "lrs")
    store = app.extensions["lrs"].store
    _people(app)
    admin = Browser(app).signin("admin")
    form = admin.get(PAGE).get_data(as_text=True)
    assert 'name="scope"' not in form  # the form does not offer it
    crafted = admin.post(PAGE, {"endpoint": "https://all.example.org/xapi", "key": "k", "secret": "s",
                                "scope": "store"}, token_from=PAGE)
    assert crafted.status_code == 403
    assert "lrs forward add" in html.unescape(crafted.get_data(as_text=True))  # says who can
    assert forwarding.rules(store, everyone=True) == []  # nothing was made, not even a personal rule


def test_a_web_admin_cannot_change_the_operators_store_wide_rule(tmp_path):
    app = make_app(tmp_path / "lrs")
    store = app.extensions["lrs"].store
    _people(app)
    rule = forwarding.add_rule(store, endpoint="https://warehouse.example.org/xapi", key="k", secret="s",
                               name="Data warehouse")
    admin = Browser(app).signin("admin")
    for action in ("delete", "retry", "discard"):
        answer = admin.post(PAGE, {"action": action, "rule": rule.item_id, "item": "x"}, token_from=PAGE)
        assert answer.status_code == 404, action
    assert [r.item_id for r in forwarding.rules(store, everyone=True)] == [rule.item_id]


def test_a_person_keeps_their_own_rules(tmp_path):
    app = make_app(tmp_path / "lrs")
    ann, _ = _people(app)
    b = Browser(app).signin("ann")
    assert b.post(PAGE, {"endpoint": "https://employer.example.org/xapi", "key": "k", "secret": "s"},
                  token_from=PAGE).status_code == 302
    (rule,) = forwarding.rules(app.extensions["lrs"].store, ann.id)
    assert b.post(PAGE, {"action": "delete", "rule": rule.item_id}, token_from=PAGE).status_code == 302
    assert forwarding.rules(app.extensions["lrs"].store, everyone=True) == []


def test_the_operator_adds_one_on_the_command_line_and_every_person_sees_it(tmp_path, monkeypatch):
    home = tmp_path / "lrs"
    monkeypatch.setenv("LRS_HOME", str(home))
    monkeypatch.setenv("LRS_SECRET_KEY", "test-secret-key")
    monkeypatch.delenv("LRS_STORE", raising=False)
    added = CliRunner().invoke(cli, ["forward", "add", "--endpoint", "https://warehouse.example.org:8443/xapi/",
                                     "--key", "warehouse-key", "--secret", "warehouse-secret-value",
                                     "--name", "Data warehouse"])
    assert added.exit_code == 0, added.output

    app = make_app(home)
    (rule,) = forwarding.rules(app.extensions["lrs"].store, None)  # store-wide: no person
    assert rule.body["name"] == "Data warehouse"
    _people(app)
    for person in ("ann", "admin"):
        sharing = html.unescape(Browser(app).signin(person).get("/space/sharing").get_data(as_text=True))
        readers = sharing[sharing.index("Who else could read my records"):]
        assert "Data warehouse" in readers and "warehouse.example.org" in readers, readers
        assert "warehouse-secret-value" not in sharing and "warehouse-key" not in sharing


def test_a_rule_made_before_names_were_asked_for_shows_only_its_host(tmp_path):
    """Rules used to be named by their endpoint, which could carry a user name and password."""
    app = make_app(tmp_path / "lrs")
    store = app.extensions["lrs"].store
    _people(app)
    endpoint = "https://feed:hunter2@warehouse.example.org/xapi/"
    store.put_item(Item(forwarding.RULE, "old", None, {"name": endpoint, "endpoint": endpoint, "key": "k",
                                                       "secret": "s", "ways": [], "tags": [], "enabled": True}))
    sharing = Browser(app).signin("ann").get("/space/sharing").get_data(as_text=True)
    assert "warehouse.example.org" in sharing and "hunter2" not in sharing and "feed:" not in sharing
