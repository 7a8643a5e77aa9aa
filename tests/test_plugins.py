"""The plugin spine: every hook the core calls is documented and exercised; plugins are isolated per
app and load only when named; hooks receive the application object. Hooks that plugins declare
themselves are tested beside them (tests/plugins/space/test_hooks.py, tests/plugins/cpd/test_hooks.py)."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from flask import Blueprint, Response

from lrs import LRS, BadRequest, Panel, Reader, hookimpl, hookspec, page_blueprint, render, signed_in
from lrs import hookspecs
from lrs.plugins import DEFAULT_PLUGINS, DuplicateRegistration, StoreBackend, get_plugin_manager, list_plugins
from lrs.store.sqlite import open_sqlite
from lrs.web import panels
from tests.conftest import XAPIClient, add_credential, make_app, statement

DOCS = Path(__file__).parent.parent / "docs" / "plugins.md"


def hooks_of(module) -> list[str]:
    return sorted(name for name in dir(module) if hasattr(getattr(module, name), "lrs_spec"))


HOOKS = hooks_of(hookspecs)


def documented_signature(hook: str) -> list[str] | None:
    """The arguments docs/plugins.md gives a hook in its '## hook(…)' heading."""
    heading = re.search(rf"^## {hook}\((.*)\)$", DOCS.read_text(), re.M)
    return None if heading is None else [p.strip() for p in heading.group(1).split(",") if p.strip()]


def test_hooks_are_found():
    assert set(HOOKS) == {"add_hookspecs", "startup", "register_routes", "register_stores", "register_commands",
                          "authority_from_request", "validate_statement", "statements_stored", "register_panels",
                          "register_sign_in", "store_wide_readers", "handle_exception"}


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_with_its_signature(hook):
    import inspect

    assert documented_signature(hook) == list(inspect.signature(getattr(hookspecs, hook)).parameters), \
        f"docs/plugins.md has no '## {hook}(…)' heading with the hook's arguments"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook):
    source = Path(__file__).read_text()
    assert f"def test_hook_{hook}" in source, f"no test_hook_{hook} in tests/test_plugins.py"


def _app(tmp_path, *plugins, load=(), **config):
    """An app with the built-in plugins, ``plugins``, and the entry-point plugins named in ``load`` only."""
    return make_app(tmp_path, plugins=plugins, load=load, **config)


def _client(app):
    return XAPIClient(app.test_client(), add_credential(app.extensions["lrs"].store))


def _post(client, body):
    return client.post("/xapi/statements", data=json.dumps(body), content_type="application/json")


def test_hook_add_hookspecs(tmp_path):
    """A plugin declares the hooks it calls; another plugin implements them; the core knows neither."""
    class Specs:
        @hookspec
        def shout(self, word):
            """A hook of the plugin's own."""

    class Declares:
        @hookimpl
        def add_hookspecs(self, pm):
            pm.add_hookspecs(Specs)

        @hookimpl
        def startup(self, lrs):
            lrs.plugin_state("declares")["heard"] = lrs.pm.hook.shout(word="hello")

    class Answers:
        @hookimpl
        def shout(self, word):
            return word.upper()

    app = _app(tmp_path, Declares(), Answers())
    assert app.extensions["lrs"].plugin_state("declares")["heard"] == ["HELLO"]
    with pytest.raises(Exception, match="unknown hook"):  # undeclared, the hook is unknown
        _app(tmp_path / "b", Answers())


def test_hook_startup(tmp_path):
    class Plugin:
        @hookimpl
        def startup(self, app, lrs):
            app.extensions["started"] = isinstance(lrs, LRS) and lrs.store is app.extensions["lrs"].store

    class Older:
        @hookimpl
        def startup(self, app):  # an implementation may leave out the arguments it does not use
            app.extensions["older"] = True

    app = _app(tmp_path, Plugin(), Older())
    assert app.extensions["started"] is True and app.extensions["older"] is True


def test_hook_register_routes(tmp_path):
    bp = Blueprint("hello", __name__, url_prefix="/hello")
    bp.add_url_rule("/", "hello", lambda: "hello there")

    class Plugin:
        @hookimpl
        def register_routes(self, app):
            return [bp]

    assert _app(tmp_path, Plugin()).test_client().get("/hello/").data == b"hello there"


def test_hook_register_stores(tmp_path):
    opened = []

    def factory(url, config):
        opened.append(url)
        return open_sqlite("sqlite:///" + str(tmp_path / "other.sqlite3"))

    class Plugin:
        @hookimpl
        def register_stores(self):
            return [StoreBackend(name="custom", factory=factory)]

    _app(tmp_path, Plugin(), store="custom://anything")
    assert opened == ["custom://anything"]
    assert (tmp_path / "other.sqlite3").exists()


def test_duplicate_store_names_are_refused(tmp_path):
    class Plugin:
        @hookimpl
        def register_stores(self):
            return [StoreBackend(name="sqlite", factory=open_sqlite)]

    with pytest.raises(DuplicateRegistration):
        _app(tmp_path, Plugin())


def test_hook_register_commands(monkeypatch, tmp_path):
    class Plugin:
        @hookimpl
        def register_commands(self, cli):
            @cli.command(name="hello-plugin")
            def hello():
                click.echo("hello from a plugin")

    group = click.Group()
    get_plugin_manager(extra_plugins=[Plugin()]).hook.register_commands(cli=group)
    assert CliRunner().invoke(group, ["hello-plugin"]).output == "hello from a plugin\n"


def test_hook_authority_from_request(tmp_path):
    class Plugin:
        @hookimpl
        def authority_from_request(self, request, lrs):
            if request.headers.get("Authorization") == "Bearer let-me-in":
                return lrs.store.get_credential("tool")
            return None

    app = _app(tmp_path, Plugin())
    add_credential(app.extensions["lrs"].store)
    token = XAPIClient(app.test_client(), {"Authorization": "Bearer let-me-in"})
    assert token.get("/xapi/statements").status_code == 200
    nobody = XAPIClient(app.test_client(), {"Authorization": "Bearer nope"})
    assert nobody.get("/xapi/statements").status_code == 401


def test_hook_validate_statement(tmp_path):
    class Plugin:
        @hookimpl
        def validate_statement(self, statement, version, credential, access):
            assert access.kind == "tool" and access.credential is credential
            if "context" not in statement:
                raise BadRequest("this deployment requires a context", location="statement.context")

    app = _app(tmp_path, Plugin())
    client = _client(app)
    response = _post(client, [statement(context={"registration": str(uuid.uuid4())}), statement()])
    assert response.status_code == 400
    assert response.json["message"] == "this deployment requires a context"
    assert app.extensions["lrs"].store.statement_count() == 0


def test_hook_statements_stored(tmp_path):
    seen = []

    class Plugin:
        @hookimpl
        def statements_stored(self, statements, lrs, access):
            seen.append(([s["id"] for s in statements], lrs.store.statement_count(), access.credential.key))

    client = _client(_app(tmp_path, Plugin()))
    ids = _post(client, [statement(), statement()]).json
    assert seen == [(ids, 2, "tool")]


def test_statements_stored_failure_does_not_fail_the_request(tmp_path):
    class Plugin:
        @hookimpl
        def statements_stored(self, statements, store, credential):
            raise RuntimeError("forwarder down")

    app = _app(tmp_path, Plugin())
    assert _post(_client(app), statement()).status_code == 200
    assert app.extensions["lrs"].store.statement_count() == 1


def test_hook_handle_exception(tmp_path):
    class Plugin:
        @hookimpl
        def handle_exception(self, error, request, lrs):
            if isinstance(error, BadRequest) and isinstance(lrs, LRS):
                return Response("custom: " + error.message, status=400)
            return None

    client = _client(_app(tmp_path, Plugin()))
    response = client.get("/xapi/statements?limit=x")
    assert response.status_code == 400
    assert response.data.startswith(b"custom: ")


def test_hook_store_wide_readers(tmp_path):
    from lrs import create_person, store_wide_readers

    class Plugin:
        @hookimpl
        def store_wide_readers(self, lrs):
            return [Reader(name="Nightly copy", kind="backup job", detail="sends every statement to backup.example.org")]

    app = _app(tmp_path, Plugin(), load=("space",))
    ctx = app.extensions["lrs"]
    add_credential(ctx.store, key="dash", name="Dashboard", scopes=("statements/read",))
    add_credential(ctx.store, key="quiz", name="Quiz", scopes=("statements/write",))  # writes only: no reader
    readers = store_wide_readers(ctx)
    assert ("Nightly copy", "backup job") in {(r.name, r.kind) for r in readers}
    create_person(ctx.store, ctx.config, "ann", "a long enough passphrase")
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/space/signin").get_data(as_text=True))
    client.post("/space/signin", data={"username": "ann", "password": "a long enough passphrase",
                                       "csrf_token": token.group(1)})
    page = client.get("/space/sharing").get_data(as_text=True)
    assert "Nightly copy" in page and "backup.example.org" in page and "Dashboard" in page and "Quiz" not in page


def test_hook_register_panels(tmp_path):
    from lrs import create_person
    from tests.plugins.space.conftest import PASSWORD, Browser

    bp = page_blueprint("reading_list", __name__, "/space/reading-list")

    @bp.route("/")
    @signed_in
    def reading_list():
        return render("error.html", status=200, message="my reading list")

    class Plugin:
        @hookimpl
        def register_panels(self, lrs):
            assert isinstance(lrs, LRS)
            return [Panel(name="reading-list", title="Reading list", endpoint="reading_list.reading_list", order=35)]

        @hookimpl
        def register_routes(self, app):
            return [bp]

    app = _app(tmp_path, Plugin(), load=("space",))
    ctx = app.extensions["lrs"]
    create_person(ctx.store, ctx.config, "ann", PASSWORD)
    b = Browser(app).signin("ann")
    html = b.get("/space/").get_data(as_text=True)
    nav = html[html.index("<nav"):html.index("</nav>")]
    assert nav.index("How I learn") < nav.index("Reading list") < nav.index("Goals")
    assert "my reading list" in b.get("/space/reading-list/").get_data(as_text=True)

    class Duplicate:
        @hookimpl
        def register_panels(self):
            return [Panel(name="timeline", title="Another timeline", endpoint="space.timeline")]

    duplicate = _app(tmp_path / "dup", Duplicate(), load=("space",))
    with duplicate.test_request_context("/space/"), pytest.raises(DuplicateRegistration):
        panels(duplicate.extensions["lrs"].pm)


def test_hook_register_sign_in(tmp_path):
    """A sign-in provider of any protocol: the page lists it, its start keeps state with begin_sign_in,
    its own page ends with complete_sign_in. Here a pretend provider that asserts at once (SAML's
    POST to an assertion consumer service would be the same shape)."""
    from flask import redirect, request, url_for

    from lrs import Assertion, SignInProvider, begin_sign_in, complete_sign_in, finish_sign_in

    bp = page_blueprint("pretend", __name__, "/space/pretend")

    @bp.route("/answer")
    def answer():
        values = finish_sign_in("pretend", request.args.get("state"))
        return complete_sign_in(Assertion(provider="pretend", issuer="https://idp.example", subject="u-42",
                                          username="grace", email="grace@example.org", email_verified=True),
                                values)

    def start(next, invite):
        return redirect(url_for("pretend.answer", state=begin_sign_in("pretend", next=next, invite=invite)))

    class Plugin:
        @hookimpl
        def register_sign_in(self, lrs):
            assert isinstance(lrs, LRS)
            return [SignInProvider(name="pretend", title="Pretend provider", start=start, just_in_time=True)]

        @hookimpl
        def register_routes(self):
            return [bp]

    app = _app(tmp_path, Plugin(), load=("space",))
    client = app.test_client()
    assert "Pretend provider" in client.get("/space/signin").get_data(as_text=True)
    started = client.get("/space/signin/pretend?next=/space/goals")
    done = client.get(started.location)
    assert done.status_code == 302 and done.location == "/space/goals"
    store = app.extensions["lrs"].store
    grace = store.get_person("grace")
    assert store.identity_owner("Agent|account|https://idp.example|u-42") == grace.id
    assert store.identity_owner("Agent|mbox|mailto:grace@example.org") == grace.id
    assert client.get("/space/").status_code == 200 and grace.last_sign_in is not None
    assert client.get("/space/signin/nobody").status_code == 404

    class Duplicate:
        @hookimpl
        def register_sign_in(self):
            return [SignInProvider(name="pretend", title="Another", start=start)]

    duplicate = _app(tmp_path / "dup", Plugin(), Duplicate(), load=("space",))
    assert duplicate.test_client().get("/space/signin").status_code == 500  # the page cannot choose between them
    with duplicate.test_request_context("/space/"), pytest.raises(DuplicateRegistration):
        from lrs import sign_in_providers

        sign_in_providers()


def test_default_plugins_are_registered_and_can_be_disabled(tmp_path):
    names = {p["name"] for p in list_plugins(get_plugin_manager())}
    assert set(DEFAULT_PLUGINS) <= names
    app = _app(tmp_path, disable_plugins=("lrs.auth.basic",))
    response = XAPIClient(app.test_client(), {}).get("/xapi/statements")
    assert response.status_code == 401  # no scheme left that can authenticate


def test_misspelled_hook_fails_loudly():
    class Plugin:
        @hookimpl
        def statement_stored(self, statements):  # missing "s"
            pass

    with pytest.raises(Exception, match="unknown hook"):
        get_plugin_manager(extra_plugins=[Plugin()])


def test_plugins_do_not_leak_between_apps(tmp_path):
    class Plugin:
        @hookimpl
        def startup(self, app):
            app.extensions["marked"] = True

    assert "marked" in _app(tmp_path / "a", Plugin()).extensions
    assert "marked" not in _app(tmp_path / "b").extensions


def test_test_apps_load_only_the_plugins_they_name(tmp_path):
    loaded = {p["name"] for p in list_plugins(_app(tmp_path / "a").extensions["lrs"].pm)}
    assert loaded == set(DEFAULT_PLUGINS)
    named = {p["name"] for p in list_plugins(_app(tmp_path / "b", load=("space", "cpd")).extensions["lrs"].pm)}
    assert named == set(DEFAULT_PLUGINS) | {"space", "cpd"}


def test_plugin_config_reads_prefixed_settings_over_defaults(monkeypatch):
    from lrs.config import Config

    monkeypatch.setenv("LRS_STREAKS_GOAL_DAYS", "5")
    config = Config.from_env({"streaks_colour": "green"})
    assert config.plugin_config("streaks", {"goal_days": "3", "colour": "blue", "unit": "day"}) == \
        {"goal_days": "5", "colour": "green", "unit": "day"}
