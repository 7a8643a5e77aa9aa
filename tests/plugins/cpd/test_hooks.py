"""The hooks CPD declares (lrs_cpd.hookspecs): each documented with its signature, each tested."""

from __future__ import annotations

import inspect

import pytest

from lrs import hookimpl
from lrs_cpd import Exporter, Importer, exporters, hookspecs, importers
from lrs.plugins import DuplicateRegistration
from tests.conftest import make_app, statement
from tests.test_plugins import documented_signature, hooks_of

HOOKS = hooks_of(hookspecs)


@pytest.mark.parametrize("hook", HOOKS)
def test_every_cpd_hook_is_documented_and_tested(hook):
    assert documented_signature(hook) == list(inspect.signature(getattr(hookspecs, hook)).parameters)
    assert f"def test_hook_{hook}" in open(__file__).read()


def _app(tmp_path, *plugins):
    return make_app(tmp_path, plugins=plugins, load=("space", "cpd", "cpd_nursing"), forward_worker=False)


def test_hook_register_exporters(tmp_path):
    from lrs import create_person
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

    from lrs import create_person, person_agent
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
