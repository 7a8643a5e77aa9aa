"""The hooks the space declares (lrs_space.hookspecs): each documented with its signature, each tested."""

from __future__ import annotations

import inspect

import pytest

from lrs import hookimpl
from lrs_space import hookspecs
from tests.conftest import XAPIClient, make_app, statement
from tests.test_plugins import documented_signature, hooks_of

HOOKS = hooks_of(hookspecs)


@pytest.mark.parametrize("hook", HOOKS)
def test_every_space_hook_is_documented_and_tested(hook):
    assert documented_signature(hook) == list(inspect.signature(getattr(hookspecs, hook)).parameters)
    assert f"def test_hook_{hook}" in open(__file__).read()


def _app(tmp_path, *plugins):
    return make_app(tmp_path, plugins=plugins, load=("space",))


def test_hook_classify_statement(tmp_path):
    from lrs import create_person, create_personal_key
    from tests.conftest import auth_header
    from tests.plugins.space.conftest import PASSWORD, Browser

    class Plugin:
        @hookimpl
        def classify_statement(self, statement):
            if statement["verb"]["id"] == "https://example.org/verbs/shadowed":
                return "people"
            return None

    app = _app(tmp_path, Plugin())
    ctx = app.extensions["lrs"]
    ann = create_person(ctx.store, ctx.config, "ann", PASSWORD)
    credential, secret = create_personal_key(ctx.store, ctx.config, ann, "tool")
    actor = {"account": {"homePage": ctx.config.people_home_page, "name": "ann"}}
    client = XAPIClient(app.test_client(), auth_header(credential.key, secret))
    client.post("/xapi/statements", json=[
        statement(actor=actor, verb={"id": "https://example.org/verbs/shadowed", "display": {"en": "shadowed"}}),
        statement(actor=actor, verb={"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en": "done"}}),
    ])
    b = Browser(app).signin("ann")
    assert '">shadowed: ' in b.get("/space/?way=people").get_data(as_text=True)
    assert '">shadowed: ' not in b.get("/space/?way=courses").get_data(as_text=True)
    assert '">done: ' in b.get("/space/?way=courses").get_data(as_text=True)  # the built-in classifier still runs


def test_hook_key_rows(tmp_path):
    from lrs import create_person, hookimpl, page_blueprint
    from lrs_space import KeyRow
    from tests.plugins.space.conftest import PASSWORD, Browser

    revoked = []
    pages = page_blueprint("linked", __name__, "/space/linked")

    @pages.route("/<name>/revoke", methods=["POST"])
    def revoke(name):
        revoked.append(name)
        return "", 204

    class Plugin:
        @hookimpl
        def register_routes(self):
            return [pages]

        @hookimpl
        def key_rows(self, person, lrs):
            return [KeyRow(name=f"{person.username}'s watch", how="paired", created="2026-01-01T00:00:00+00:00",
                           last_used=None, scopes=("statements/write",), revoke_url="/space/linked/watch/revoke")]

    app = _app(tmp_path, Plugin())
    ctx = app.extensions["lrs"]
    create_person(ctx.store, ctx.config, "ann", PASSWORD)
    b = Browser(app).signin("ann")
    page = b.get("/space/keys").get_data(as_text=True)
    assert "ann&#39;s watch" in page and "paired" in page and 'action="/space/linked/watch/revoke"' in page
    assert b.post("/space/linked/watch/revoke", token_from="/space/keys").status_code == 204
    assert revoked == ["watch"]


def test_hook_register_way_mappings(tmp_path):
    from lrs_space import WayMapping, classifier

    class Plugin:
        @hookimpl
        def register_way_mappings(self):
            return [WayMapping("https://example.org/verbs/shadowed", "verb", "people"),
                    WayMapping("Acme Wiki", "platform", "content")]

    pm = _app(tmp_path, Plugin()).extensions["lrs"].pm
    classify = classifier(pm)
    assert classify(statement(verb={"id": "https://example.org/verbs/shadowed"})) == "people"
    assert classify(statement(verb={"id": "https://example.org/verbs/edited"},
                              context={"platform": "ACME WIKI"})) == "content"


def test_hook_archive_kinds(tmp_path):
    import json

    from lrs import Item, create_person
    from lrs_space import ArchiveKind
    from tests.plugins.space.conftest import PASSWORD, Browser

    class Plugin:
        @hookimpl
        def archive_kinds(self):
            return [ArchiveKind("streaks-settings", "streak settings", ids="person")]

    app = _app(tmp_path, Plugin())
    ctx = app.extensions["lrs"]
    ann = create_person(ctx.store, ctx.config, "ann", PASSWORD)
    ctx.store.put_item(Item("streaks-settings", str(ann.id), ann.id, {"goal_days": 5}))
    ctx.store.put_item(Item("not-carried", "x", ann.id, {"secret": "stays here"}))
    archive = json.loads(Browser(app).signin("ann").get("/space/archive.json").data)
    assert archive["items"]["streaks-settings"][0]["body"] == {"goal_days": 5}
    assert "not-carried" not in archive["items"]
