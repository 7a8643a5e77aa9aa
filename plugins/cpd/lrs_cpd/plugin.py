"""The CPD plugin's hooks: its panel and pages, formats, commands, forwarding and scheduled pulls."""

from __future__ import annotations

from lrs import Panel, Reader, hookimpl
from lrs_cpd import forwarding, hookspecs, pulling
from lrs_cpd.exporting import ARCHIVE_EXPORTER, CSV_EXPORTER
from lrs_cpd.importing import XAPI_IMPORTER
from lrs_cpd.pdf import PDF_EXPORTER
from lrs_cpd.records import SETTINGS_KIND, move_legacy_fields
from lrs_space import ArchiveKind, classifier


@hookimpl
def add_hookspecs(pm):
    pm.add_hookspecs(hookspecs)


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
    from lrs_cpd.cli import export, forward, import_, pull

    cli.add_command(export)
    cli.add_command(import_)
    cli.add_command(forward)
    cli.add_command(pull)


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
def archive_kinds():
    """A person's CPD settings go with everything they own (forwarding rules do not: they hold
    another LRS's credentials, and are made again where the person goes)."""
    return [ArchiveKind(SETTINGS_KIND, "CPD settings", ids="person")]


@hookimpl
def startup(lrs):
    move_legacy_fields(lrs.store)
    options = forwarding.Options.of(lrs)
    worker = lrs.plugin_state("cpd")["worker"] = forwarding.Worker(lrs.store, options)
    if options.worker and forwarding.rules(lrs.store, everyone=True):
        worker.start()
    pull_options = pulling.PullOptions.of(lrs)
    puller = lrs.plugin_state("cpd")["puller"] = pulling.Puller(lrs, pull_options)
    if pull_options.worker and pulling.sources(lrs.store, everyone=True):
        puller.start()


@hookimpl
def statements_stored(statements, lrs):
    if forwarding.enqueue(lrs.store, statements, classifier(lrs.pm)):
        worker = forwarding.worker_of(lrs)
        if worker is not None and worker.options.worker:
            worker.wake()
