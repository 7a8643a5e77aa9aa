"""``lrs export``, ``lrs import``, ``lrs forward`` and ``lrs pull``: the CPD plugin's commands."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import click

from lrs import Access, command_app, Guard, LRSError
from lrs_cpd.registrations import exporters, importers
from lrs_cpd import forwarding, pulling
from lrs_cpd.exporting import ExportJob
from lrs_cpd.importing import choose_importer, operator_target, run_import
from lrs_cpd.records import Settings


def _ctx():
    """The LRS as the server sees it, without forwarding or pull threads in this short-lived process."""
    return command_app({"forward_worker": False, "pull_worker": False})


def _date(value: str | None, name: str) -> str | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter("a date like 2026-11-25", param_hint=name) from None


@click.command(help="Export a person's records: a CPD log (csv, pdf, nursing …) or the complete xAPI archive (xapi).")
@click.option("--person", required=True, help="whose records")
@click.option("--format", "format_", default="pdf", show_default=True,
              help="an exporter's name: csv, pdf, xapi, nursing, or one a plugin adds")
@click.option("--from", "since", default=None, help="first day, YYYY-MM-DD (CPD formats)")
@click.option("--to", "until", default=None, help="last day, YYYY-MM-DD (CPD formats)")
@click.option("--target", type=float, default=None, help="target hours (default: the person's own setting)")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True, help="file to write")
def export(person, format_, since, until, target, output):
    ctx = _ctx()
    found = ctx.store.get_person(person)
    if found is None:
        raise click.ClickException(f"no person named {person!r}")
    formats = exporters(ctx.pm)
    if format_ not in formats:
        raise click.ClickException(f"no format {format_!r}; there are: {', '.join(sorted(formats))}")
    # the operator exports what is the person's, through the person's access (the gate's reach)
    job = ExportJob(ctx.store, ctx.pm, found, Access.for_person(ctx.store, found), _date(since, "--from"),
                    _date(until, "--to"), target, Settings.of(ctx.store, found.id))
    started = time.monotonic()
    with open(output, "wb") as out:
        formats[format_].write(job, out)
    size = Path(output).stat().st_size
    click.echo(f"wrote {output} ({formats[format_].title}, {size} bytes, {time.monotonic() - started:.1f} s)",
               err=True)


@click.command("import", help="Import statements (and documents) from FILE, or from another LRS with --from-lrs.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False), required=False)
@click.option("--person", default=None, help="into this person's space (their identities only); default: the store")
@click.option("--format", "format_", default=None, help="the importer to use (default: recognised from the file)")
@click.option("--map-actor", is_flag=True,
              help="with --person: a statement by another actor gets the person's account as actor")
@click.option("--from-lrs", "from_lrs", default=None, metavar="URL", help="pull from this xAPI endpoint instead")
@click.option("--key", default=None, help="the other LRS's credential key")
@click.option("--secret", default=None, help="the other LRS's credential secret")
@click.option("--xapi-version", default="1.0.3", show_default=True, help="the version to ask the other LRS in")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
def import_(file, person, format_, map_actor, from_lrs, key, secret, xapi_version, as_json):
    if bool(file) == bool(from_lrs):
        raise click.UsageError("give a FILE or --from-lrs URL (one of them)")
    ctx = _ctx()
    try:
        target = operator_target(ctx.store, ctx.config, person, map_actor=map_actor)
    except LRSError as error:
        raise click.ClickException(error.message) from None
    if from_lrs:
        if not (key and secret):
            raise click.UsageError("--from-lrs needs --key and --secret")
        from lrs_cpd.remote import pull_statements

        entries = pull_statements(from_lrs, key, secret, guard=Guard.of(ctx.config), version=xapi_version)
        report = _run_with_counter(ctx, entries, target)
    else:
        with open(file, "rb") as stream:
            try:
                importer = choose_importer(importers(ctx.pm), format_, stream.read(4096))
            except LRSError as error:
                raise click.ClickException(error.message) from None
            stream.seek(0)
            entries = list(importer.read(stream))
        with click.progressbar(length=len(entries), label="importing", file=sys.stderr) as bar:
            report = run_import(ctx, entries, target, progress=bar.update)
    if as_json:
        import json

        click.echo(json.dumps(report.to_dict()))
    else:
        click.echo(report.summary())
        for problem in report.problems[:50]:
            click.echo(f"  {problem.position}: {problem.message}")
        if report.problem_count > 50:
            click.echo(f"  … and {report.problem_count - 50} more (--json lists up to 1000)")


def _run_with_counter(ctx, entries, target):
    done = [0]

    def progress(n):
        done[0] += n
        click.echo(f"\rpulled and stored {done[0]} …", nl=False, err=True)

    try:
        report = run_import(ctx, entries, target, progress=progress)
    except LRSError as error:
        raise click.ClickException(error.message) from None
    click.echo("", err=True)
    return report


@click.group(help="Forward new statements to another LRS: rules, the queue, the failure log.")
def forward():
    pass


@forward.command("add", help="Forward new statements (of a person, or of the whole store) to another LRS."
                 " Only here can a rule for the whole store be made; every person's Sharing page lists it.")
@click.option("--endpoint", required=True, help="the other LRS's xAPI endpoint, e.g. https://lrs.example.org/xapi/")
@click.option("--key", required=True)
@click.option("--secret", required=True)
@click.option("--person", default=None, help="only this person's statements (default: every statement)")
@click.option("--way", "ways", multiple=True, help="only these ways of learning (repeatable)")
@click.option("--tag", "tags", multiple=True, help="only statements with one of these tags (repeatable)")
@click.option("--name", default="", help="what people see on their Sharing page (default: the endpoint's host)")
def forward_add(endpoint, key, secret, person, ways, tags, name):
    ctx = _ctx()
    person_id = None
    if person:
        found = ctx.store.get_person(person)
        if found is None:
            raise click.ClickException(f"no person named {person!r}")
        person_id = found.id
    try:
        rule = forwarding.add_rule(ctx.store, endpoint=endpoint, key=key, secret=secret, person_id=person_id,
                                   ways=ways, tags=tags, name=name, guard=Guard.of(ctx.config))
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    except LRSError as error:
        raise click.ClickException(error.message) from None
    click.echo(rule.item_id)


@forward.command("list", help="Rules, their queues and their latest failures.")
def forward_list():
    store = _ctx().store
    for rule in forwarding.rules(store, everyone=True):
        queue = forwarding.queued(store, rule.item_id)
        held = sum(1 for q in queue if q.body.get("held"))
        who = f"person {rule.person_id}" if rule.person_id is not None else "whole store"
        click.echo(f"{rule.item_id}  {rule.body['endpoint']}  ({who}; ways {','.join(rule.body['ways']) or 'all'};"
                   f" tags {','.join(rule.body['tags']) or 'all'})  queued {len(queue)}, held {held}")
        for entry in forwarding.failures(store, rule.item_id)[:5]:
            click.echo(f"    {entry.body['when']}  {entry.body['status']}  {entry.body['error']}")


@forward.command("remove", help="Delete a rule with its queue and log.")
@click.argument("rule_id")
def forward_remove(rule_id):
    store = _ctx().store
    rule = store.get_item(forwarding.RULE, rule_id)
    if rule is None:
        raise click.ClickException(f"no rule {rule_id!r}")
    forwarding.delete_rule(store, rule)
    click.echo(f"removed {rule_id}")


@forward.command("run", help="Send what is queued now (--once), or keep sending until stopped.")
@click.option("--once", is_flag=True, help="one pass over the queue, then exit (1 if anything is left)")
@click.option("--retry", is_flag=True, help="first make every queued item due now, held ones included")
def forward_run(once, retry):
    ctx = _ctx()
    options = forwarding.Options.of(ctx)
    if retry:
        for rule in forwarding.rules(ctx.store, everyone=True):
            forwarding.retry(ctx.store, rule.item_id)
    while True:
        result = forwarding.drain(ctx.store, options)
        if result.batches or result.failed:
            click.echo(f"sent {result.sent} statements in {result.batches} batches; {result.failed} failed;"
                       f" {result.waiting} queue items waiting", err=True)
        if once:
            sys.exit(1 if result.waiting else 0)
        time.sleep(options.interval)


@click.group(help="Pull new statements (and documents) from other LRSs on a schedule: sources, runs, their log.")
def pull():
    pass


@pull.command("add", help="Pull from another LRS on a schedule, into a person's records or (without --person) into"
              " the whole store; only here can a store-wide source be made. Prints the source's id.")
@click.option("--endpoint", required=True, help="the other LRS's xAPI endpoint, e.g. https://lrs.example.org/xapi/")
@click.option("--key", required=True)
@click.option("--secret", required=True)
@click.option("--person", default=None, help="into this person's records (their statements only)")
@click.option("--agent", default=None, help="only this agent's statements: an e-mail address or an Agent in JSON")
@click.option("--documents", is_flag=True, help="bring the state and agent profile documents too")
@click.option("--map-actor", is_flag=True, help="with --person: a statement by another actor gets their account")
@click.option("--interval", type=float, default=None, help="seconds between runs (default: LRS_PULL_INTERVAL)")
@click.option("--name", default="", help="what it is called (default: the endpoint's host); store-wide sources"
              " write as a tool of this name")
@click.option("--xapi-version", default="1.0.3", show_default=True, help="the version to ask the other LRS in")
def pull_add(endpoint, key, secret, person, agent, documents, map_actor, interval, name, xapi_version):
    ctx = _ctx()
    person_id = None
    if person:
        found = ctx.store.get_person(person)
        if found is None:
            raise click.ClickException(f"no person named {person!r}")
        person_id = found.id
    try:
        source = pulling.add_source(ctx.store, endpoint=endpoint, key=key, secret=secret, person_id=person_id,
                                    agent=pulling.parse_agent(agent or ""), documents=documents, map_actor=map_actor,
                                    interval=interval, name=name, version=xapi_version, guard=Guard.of(ctx.config))
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    except LRSError as error:
        raise click.ClickException(error.message) from None
    click.echo(source.item_id)


@pull.command("list", help="Sources, where they stand and their latest runs (never their secrets).")
@click.option("--json", "as_json", is_flag=True)
def pull_list(as_json):
    store = _ctx().store
    rows = []
    for source in pulling.sources(store, everyone=True):
        state = pulling.source_state(store, source)
        rows.append({"id": source.item_id, "name": source.body.get("name"), "endpoint": source.body["endpoint"],
                     "person_id": source.person_id, "agent": source.body.get("agent"),
                     "documents": source.body.get("documents"), "enabled": source.body.get("enabled", True),
                     "paused": state["paused"], "since": state["since"], "next_run": state["next_run"],
                     "attempts": state["attempts"], "progress": state["progress"],
                     "log": [e.body for e in pulling.source_log(store, source.item_id)[:5]]})
    if as_json:
        import json

        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no sources")
    for row in rows:
        who = f"person {row['person_id']}" if row["person_id"] is not None else "whole store"
        where = ("paused by its owner" if not row["enabled"] else f"paused: {row['paused']}" if row["paused"]
                 else f"next run {row['next_run'] or 'now'}")
        click.echo(f"{row['id']}  {row['name']}  {row['endpoint']}  ({who}; {where}; since {row['since'] or '-'})")
        for entry in row["log"]:
            click.echo(f"    {entry['when']}  {entry['outcome']}  {pulling.describe(entry)}")


@pull.command("run", help="Run a source now (SOURCE_ID), or every source that is due; --wait keeps running them"
              " on their schedule (for deployments without the thread, LRS_PULL_WORKER=0).")
@click.argument("source_id", required=False)
@click.option("--wait", is_flag=True, help="keep running due sources until stopped")
def pull_run(source_id, wait):
    ctx = _ctx()
    options = pulling.PullOptions.of(ctx)
    while True:
        if source_id:
            source = ctx.store.get_item(pulling.SOURCE, source_id)
            if source is None:
                raise click.ClickException(f"no source {source_id!r}")
            pulling.run_now(ctx.store, source)
            entries = [pulling.run_source(ctx, ctx.store.get_item(pulling.SOURCE, source_id), options)]
        else:
            entries = pulling.run_due(ctx, options)
        for entry in entries:
            click.echo(pulling.describe(entry))
        if not wait:
            if any(e.get("outcome") not in ("ok", "busy") for e in entries):
                sys.exit(1)
            return
        time.sleep(options.tick)


@pull.command("remove", help="Delete a source with its log.")
@click.argument("source_id")
def pull_remove(source_id):
    store = _ctx().store
    source = store.get_item(pulling.SOURCE, source_id)
    if source is None:
        raise click.ClickException(f"no source {source_id!r}")
    pulling.delete_source(store, source)
    click.echo(f"removed {source_id}")
