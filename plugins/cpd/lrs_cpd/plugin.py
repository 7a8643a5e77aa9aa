"""The CPD plugin's hooks: its panel and pages, formats, commands and forwarding."""

from __future__ import annotations

import weakref

from lrs.hookspecs import hookimpl
from lrs.plugins import Panel, Reader
from lrs_cpd import forwarding
from lrs_cpd.exporting import ARCHIVE_EXPORTER, CSV_EXPORTER
from lrs_cpd.importing import XAPI_IMPORTER
from lrs_cpd.pdf import PDF_EXPORTER

#: the plugin manager of each open store, so the statements_stored hook can classify
_managers: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


@hookimpl
def register_routes(app):
    from lrs_cpd.views import bp

    return [bp]


@hookimpl
def register_panels():
    return [Panel("cpd", "CPD log", "cpd.log", 45)]


@hookimpl
def register_exporters():
    return [CSV_EXPORTER, PDF_EXPORTER, ARCHIVE_EXPORTER]


@hookimpl
def register_importers():
    return [XAPI_IMPORTER]


@hookimpl
def register_commands(cli):
    from lrs_cpd.cli import export, forward, import_

    cli.add_command(export)
    cli.add_command(import_)
    cli.add_command(forward)


def _shown_name(rule) -> str:
    """The rule's name; the host for rules whose name was their endpoint (the old default, which could
    carry a credential in its address)."""
    name = rule.body.get("name") or ""
    return forwarding.endpoint_host(rule) if not name or "://" in name else name


@hookimpl
def store_wide_readers(store):
    """The operator's store-wide forwarding rules: each sends every new statement to another LRS."""
    return [Reader(name=_shown_name(rule),
                   kind="forwarding to another LRS",
                   detail=(f"{'new statements are' if forwarding.describe_filter(rule) else 'every new statement is'}"
                           f" sent to {forwarding.endpoint_host(rule)}{forwarding.describe_filter(rule)}"))
            for rule in forwarding.rules(store, None) if rule.body.get("enabled", True)]


@hookimpl
def startup(app):
    ctx = app.extensions["lrs"]
    options = forwarding.Options.of(ctx.config)
    worker = forwarding.Worker(ctx.store, options)
    forwarding.workers[ctx.store] = worker
    _managers[ctx.store] = ctx.pm
    if options.worker and forwarding.rules(ctx.store, everyone=True):
        worker.start()


@hookimpl
def statements_stored(statements, store):
    pm = _managers.get(store)
    if pm is None:
        from lrs_space.ways import classify_statement as classify
    else:
        def classify(statement):
            return pm.hook.classify_statement(statement=statement)
    if forwarding.enqueue(store, statements, classify):
        worker = forwarding.workers.get(store)
        if worker is not None and worker.options.worker:
            worker.wake()
