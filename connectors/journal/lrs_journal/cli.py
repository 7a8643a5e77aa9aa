"""The ``lrs-journal`` command."""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid
from pathlib import Path

import click

from lrs_journal import importer
from lrs_journal.client import LRSClient, LRSError
from lrs_journal import connection as connections
from lrs_journal.config import Config, ConfigError
from lrs_journal.notes import folder_entries
from lrs_journal.statements import Entry, actor, entry_iri, entry_statement, iri_base

NAME_LENGTH = 80


@click.group(help="""Keep a learning journal in any xAPI Learning Record Store.

Settings come from ~/.config/lrs-journal.toml (or --config), then the LRS_JOURNAL_* variables, then
these options: endpoint, key, secret, and who you are (name plus email, or an account).""")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML settings file [LRS_JOURNAL_CONFIG, ~/.config/lrs-journal.toml]")
@click.option("--endpoint", help="xAPI endpoint, e.g. http://127.0.0.1:8080/xapi/ [LRS_JOURNAL_ENDPOINT]")
@click.option("--key", help="the LRS key [LRS_JOURNAL_KEY]")
@click.option("--secret", help="the LRS secret [LRS_JOURNAL_SECRET] (prefer the variable or the file)")
@click.option("--actor-name", "name", help="your name [LRS_JOURNAL_ACTOR_NAME]")
@click.option("--actor-email", "email", help="your email, the statements' actor [LRS_JOURNAL_ACTOR_EMAIL]")
@click.option("--actor-homepage", "account_homepage", help="or an account: its home page [LRS_JOURNAL_ACTOR_HOMEPAGE]")
@click.option("--actor-account", "account_name", help="... and its name [LRS_JOURNAL_ACTOR_ACCOUNT]")
@click.version_option(package_name="lrs-journal", prog_name="lrs-journal")
@click.pass_context
def cli(ctx, config_path, **flags):
    ctx.obj = {"path": config_path, "flags": flags}


def _client(ctx) -> tuple[Config, LRSClient]:
    """A key and secret when set; otherwise the connection `lrs-journal connect` made, if any."""
    try:
        config = Config.load(ctx.obj["path"], **ctx.obj["flags"])
        connection = None if (config.key or config.secret) else connections.Connection.load()
        if connection is not None and config.endpoint and config.endpoint.rstrip("/") != connection.endpoint.rstrip("/"):
            connection = None  # connected to another LRS than the one set here
        if connection is not None:
            config = config.connected(connection)
        config.check(connected=connection is not None)
    except ConfigError as error:
        raise click.UsageError(str(error)) from None
    return config, LRSClient(config, connection)


@cli.command(help="Add a journal entry: lrs-journal add \"Learned how to …\" --minutes 30 --tag python")
@click.argument("text")
@click.option("--minutes", type=click.FloatRange(min=0), help="time spent, in minutes")
@click.option("--tag", "tags", multiple=True, help="a tag (repeatable)")
@click.pass_context
def add(ctx, text, minutes, tags):
    config, client = _client(ctx)
    text = text.strip()
    if not text:
        raise click.UsageError("the entry is empty")
    first_line = text.splitlines()[0]
    name = first_line if len(first_line) <= NAME_LENGTH else first_line[:NAME_LENGTH - 1] + "…"
    entry = Entry(iri=entry_iri(iri_base(config), "entries", str(uuid.uuid4())), name=name, text=text,
                  tags=tuple(dict.fromkeys(tags)), minutes=minutes,
                  timestamp=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    statement = entry_statement(entry, config, statement_id=str(uuid.uuid4()))
    try:
        client.post_statements([statement])
    except LRSError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"saved {statement['id']}")


@cli.command("import", help="""Import a folder of Markdown notes; importing again changes only what changed.

One entry per heading (default: each `##` heading and the text under it; a file without one is
one entry) or per file (--per file). An edited entry voids its old statement and replaces it; an
entry removed from a file is voided; files deleted from the folder are left as they are.""")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--per", type=click.Choice(["heading", "file"]), default="heading", show_default=True,
              help="one entry per heading or per file")
@click.option("--heading-level", type=click.IntRange(1, 6), default=2, show_default=True,
              help="the heading level that starts an entry (with --per heading)")
@click.option("--journal", help="the journal's name in entry IRIs [the folder's name]")
@click.option("--dry-run", is_flag=True, help="say what would change, change nothing")
@click.pass_context
def import_(ctx, folder, per, heading_level, journal, dry_run):
    config, client = _client(ctx)
    prefix = entry_iri(iri_base(config), "notes", journal or folder.resolve().name) + "/"
    entries, files = folder_entries(folder, prefix, per=per, level=heading_level)
    try:
        live, voided = importer.stored_state(client, config, prefix)
        plan = importer.plan_import(entries, files, config, live, voided)
        summary = (f"{len(entries)} entries in {len(files)} files: {plan.new} new, {plan.changed} changed, "
                   f"{plan.unchanged} unchanged; {len(plan.void)} old statements voided")
        if dry_run:
            click.echo("dry run: " + summary.replace("voided", "to void"))
            return
        if plan.requests:
            with click.progressbar(length=plan.requests, label="importing", file=sys.stderr) as bar:
                importer.apply(plan, client, progress=bar.update)
    except LRSError as error:
        raise click.ClickException(str(error)) from None
    click.echo(summary)


@cli.command(help="""Connect to a Learnfolio without a key: the command shows a code, you enter it in your
learning space and allow the journal. Entries are then recorded as you (the LRS says who you are).""")
@click.pass_context
def connect(ctx):
    try:
        config = Config.load(ctx.obj["path"], **ctx.obj["flags"])
    except ConfigError as error:
        raise click.UsageError(str(error)) from None
    if not config.endpoint:
        raise click.UsageError("which LRS? give --endpoint (or LRS_JOURNAL_ENDPOINT), e.g. https://lrs.example.org/xapi/")
    try:
        made = connections.connect(config.endpoint, echo=lambda text: click.echo(text, err=True))
    except connections.NotConnected as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"connected as {made.username}; entries are recorded as {json.dumps(made.actor)}")


@cli.command(help="End the connection `lrs-journal connect` made (it is also listed under “My keys”).")
def disconnect():
    made = connections.Connection.load()
    if made is None:
        raise click.ClickException("not connected")
    connections.disconnect(made)
    click.echo("disconnected")


@cli.command(help="Check the settings: reach the LRS and read your statements.")
@click.pass_context
def check(ctx):
    config, client = _client(ctx)
    try:
        versions = client.about().get("version", [])
        click.echo(f"LRS reached at {client.endpoint} (xAPI {', '.join(versions)})")
        client.statements(agent=actor(config), limit=1)
    except LRSError as error:
        raise click.ClickException(str(error)) from None
    what = "connection" if client.connection is not None else "key"
    click.echo(f"{what} accepted; statements are about {actor(config)}")
