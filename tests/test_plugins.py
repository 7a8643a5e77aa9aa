"""The plugin spine: every hook is documented and exercised; plugins are isolated per app."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from flask import Blueprint, Response

from lrs import hookspecs
from lrs.app import create_app
from lrs.errors import BadRequest
from lrs.hookspecs import hookimpl
from lrs.plugins import DEFAULT_PLUGINS, DuplicateRegistration, StoreBackend, get_plugin_manager, list_plugins
from lrs.store.sqlite import open_sqlite
from tests.conftest import SECRET_KEY, XAPIClient, add_credential, statement

DOCS = Path(__file__).parent.parent / "docs" / "plugins.md"
HOOKS = sorted(name for name in dir(hookspecs) if hasattr(getattr(hookspecs, name), "lrs_spec"))


def test_hooks_are_found():
    assert {"startup", "register_routes", "register_stores", "authority_from_request",
            "validate_statement", "statements_stored", "handle_exception", "register_commands"} <= set(HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_with_its_signature(hook):
    text = DOCS.read_text()
    heading = re.search(rf"^## {hook}\((.*)\)$", text, re.M)
    assert heading, f"docs/plugins.md has no '## {hook}(…)' heading"
    import inspect

    params = list(inspect.signature(getattr(hookspecs, hook)).parameters)
    assert [p.strip() for p in heading.group(1).split(",") if p.strip()] == params


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook):
    source = Path(__file__).read_text()
    assert f"def test_hook_{hook}" in source, f"no test_hook_{hook} in tests/test_plugins.py"


def _app(tmp_path, *plugins, **config):
    return create_app({"home": tmp_path, "secret_key": SECRET_KEY, **config}, plugins=plugins)


def _client(app):
    return XAPIClient(app.test_client(), add_credential(app.extensions["lrs"].store))


def _post(client, body):
    return client.post("/xapi/statements", data=json.dumps(body), content_type="application/json")


def test_hook_startup(tmp_path):
    class Plugin:
        @hookimpl
        def startup(self, app):
            app.extensions["started"] = True

    assert _app(tmp_path, Plugin()).extensions["started"] is True


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
        def authority_from_request(self, request, store, config):
            if request.headers.get("Authorization") == "Bearer let-me-in":
                return store.get_credential("tool")
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
        def validate_statement(self, statement, version, credential):
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
        def statements_stored(self, statements, store, credential):
            seen.append(([s["id"] for s in statements], store.statement_count(), credential.key))

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
        def handle_exception(self, error, request):
            if isinstance(error, BadRequest):
                return Response("custom: " + error.message, status=400)
            return None

    client = _client(_app(tmp_path, Plugin()))
    response = client.get("/xapi/statements?limit=x")
    assert response.status_code == 400
    assert response.data.startswith(b"custom: ")


def test_hook_store_wide_readers(tmp_path):
    from lrs.auth.personal import create_person
    from lrs.plugins import Reader, store_wide_readers

    class Plugin:
        @hookimpl
        def store_wide_readers(self, store):
            return [Reader(name="Nightly copy", kind="backup job", detail="sends every statement to backup.example.org")]

    app = _app(tmp_path, Plugin())
    ctx = app.extensions["lrs"]
    add_credential(ctx.store, key="dash", name="Dashboard", scopes=("statements/read",))
    add_credential(ctx.store, key="quiz", name="Quiz", scopes=("statements/write",))  # writes only: no reader
    readers = store_wide_readers(ctx.pm, ctx.store)
    assert ("Nightly copy", "backup job") in {(r.name, r.kind) for r in readers}
    create_person(ctx.store, ctx.config, "ann", "a long enough passphrase")
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/space/signin").get_data(as_text=True))
    client.post("/space/signin", data={"username": "ann", "password": "a long enough passphrase",
                                       "csrf_token": token.group(1)})
    page = client.get("/space/sharing").get_data(as_text=True)
    assert "Nightly copy" in page and "backup.example.org" in page and "Dashboard" in page and "Quiz" not in page


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


def test_hook_classify_statement(tmp_path):
    from lrs.auth.personal import create_person, create_personal_key
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


def test_hook_register_panels(tmp_path):
    from lrs.auth.personal import create_person
    from lrs.plugins import Panel, panels
    from tests.plugins.space.conftest import PASSWORD, Browser

    from lrs_space.web import signed_in, space_blueprint

    bp = space_blueprint("reading_list", __name__, "/space/reading-list")

    @bp.route("/")
    @signed_in
    def reading_list():
        from lrs_space import render

        return render("error.html", status=200, message="my reading list")

    class Plugin:
        @hookimpl
        def register_panels(self):
            return [Panel(name="reading-list", title="Reading list", endpoint="reading_list.reading_list", order=35)]

        @hookimpl
        def register_routes(self, app):
            return [bp]

    app = _app(tmp_path, Plugin())
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

    with pytest.raises(DuplicateRegistration):
        panels(_app(tmp_path / "dup", Duplicate()).extensions["lrs"].pm)


def test_hook_register_exporters(tmp_path):
    from lrs.auth.personal import create_person
    from lrs.plugins import Exporter, exporters
    from tests.plugins.space.conftest import PASSWORD, Browser

    def write_count(job, out):
        out.write(f"{job.person.username}: {len(job.records)} records".encode())

    class Plugin:
        @hookimpl
        def register_exporters(self):
            return [Exporter(name="count", title="Record count", media_type="text/plain", extension="txt",
                             write=write_count)]

    app = _app(tmp_path, Plugin())
    ctx = app.extensions["lrs"]
    assert {"csv", "pdf", "xapi", "nursing", "count"} <= set(exporters(ctx.pm))
    create_person(ctx.store, ctx.config, "ann", PASSWORD)
    b = Browser(app).signin("ann")
    assert "Record count" in b.get("/space/cpd/").get_data(as_text=True)  # offered as a download
    response = b.get("/space/cpd/export/count?period=all")
    assert response.data == b"ann: 0 records" and 'filename="ann-count.txt"' in response.headers["Content-Disposition"]

    class Duplicate:
        @hookimpl
        def register_exporters(self):
            return [Exporter(name="csv", title="Another CSV", media_type="text/csv", extension="csv",
                             write=lambda job, out: None)]

    with pytest.raises(DuplicateRegistration):
        exporters(_app(tmp_path / "dup", Duplicate()).extensions["lrs"].pm)


def test_hook_register_importers(tmp_path):
    import io

    from lrs.auth.personal import create_person, person_agent
    from lrs.plugins import Importer, importers
    from lrs_cpd.importing import StatementEntry, choose_importer, operator_target, run_import

    def read_lines(stream):
        """One 'verb activity' pair per line, as a made-up tool exports them."""
        for line in stream.read().decode().splitlines():
            verb, activity = line.split()
            yield StatementEntry(statement(actor=person_agent(ctx.config, "ann"),
                                           verb={"id": f"http://example.org/verbs/{verb}"},
                                           object={"id": f"http://example.org/{activity}"}))

    class Plugin:
        @hookimpl
        def register_importers(self):
            return [Importer(name="pairs", title="Verb-activity pairs", read=read_lines,
                             accepts=lambda head: head[:1].isalpha())]

    app = _app(tmp_path, Plugin())
    ctx = app.extensions["lrs"]
    create_person(ctx.store, ctx.config, "ann", "a-long-password-1")
    found = importers(ctx.pm)
    assert {"xapi", "pairs"} <= set(found)
    data = b"read handbook\nattended induction\n"
    importer = choose_importer(found, None, data)
    assert importer.name == "pairs"
    report = run_import(ctx, importer.read(io.BytesIO(data)), operator_target(ctx.store, ctx.config, "ann"))
    assert (report.stored, report.problem_count) == (2, 0)
    assert ctx.store.statement_count() == 2

    class Duplicate:
        @hookimpl
        def register_importers(self):
            return [Importer(name="xapi", title="Another", read=lambda stream: iter(()))]

    with pytest.raises(DuplicateRegistration):
        importers(_app(tmp_path / "dup", Duplicate()).extensions["lrs"].pm)
