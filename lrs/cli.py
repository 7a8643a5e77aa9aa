"""The ``lrs`` command. Every sub-command honours LRS_HOME, LRS_STORE and LRS_PORT."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import click

from lrs.auth.credentials import Credential, create_tool_credential
from lrs.auth.passwords import new_password
from lrs.auth.personal import create_person, create_personal_key
from lrs.auth.scopes import SCOPES
from lrs.config import Config
from lrs.errors import LRSError
from lrs.files import make_private, private_process, write_private

FIRST_LOGIN_FILE = "first-login.json"


def _config(home: str | None = None) -> Config:
    overrides = {"home": home} if home else None
    config = Config.from_env(overrides)
    config = replace(config, secret_key=config.resolved_secret_key())
    make_private(config)
    return config


def command_app(overrides: dict | None = None):
    """The application object (:class:`lrs.app.LRS`) for a command of ``lrs``, a plugin's included:
    the configuration of the environment (``LRS_*``), with ``overrides``."""
    from lrs.app import create_app

    return create_app(overrides).extensions["lrs"]


def _store(config: Config):
    from lrs.app import open_store
    from lrs.plugins import get_plugin_manager

    store = open_store(config, get_plugin_manager(config))
    store.initialise()
    return store


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def make_credential(store, config: Config, *, name: str, scopes, person: str | None = None) -> tuple[Credential, str]:
    """Create a credential; return it and its secret (shown once, stored only hashed)."""
    if person:
        found = store.get_person(person)
        if found is None:
            raise click.ClickException(f"no person named {person!r}")
        return create_personal_key(store, config, found, name)
    return create_tool_credential(store, config, name, scopes)


def main():
    """The ``lrs`` command: its files, and its server's, are its user's only (lrs/files.py)."""
    private_process()
    cli()


@click.group(help="Learnfolio: an xAPI Learning Record Store where the individual owns the record.")
@click.version_option(package_name="learnfolio", prog_name="lrs")
def cli():
    pass


def _interactive() -> bool:
    """Someone at a terminal to ask (``make serve`` run by hand); not CI, a service or a pipe."""
    return sys.stdin.isatty()


def _site_address(config: Config, given: str | None) -> tuple[str, bool]:
    """The site's address: given, asked (on a terminal), or the address ``lrs serve`` listens on.
    Whether it was chosen (and so is kept), rather than the default."""
    default = config.public_url.rstrip("/") or f"http://{config.host}:{config.port}"
    if given:
        return given.rstrip("/"), True
    if config.public_url or not _interactive():  # LRS_PUBLIC_URL decides; no one to ask: the default
        return default, False
    answer = click.prompt("The address people will reach Learnfolio at (its public URL)", default=default)
    return answer.strip().rstrip("/"), answer.strip().rstrip("/") != default


@cli.command(help="Create the store, a first admin login and an xAPI credential (once), and settle the site's "
                  "address. The first login is printed once; afterwards only where it is kept.")
@click.option("--admin", "admin_name", default="admin", show_default=True, help="username of the first admin")
@click.option("--public-url", default=None,
              help="the address people reach the site at (https://lrs.example.org); asked on a terminal, else "
                   "LRS_PUBLIC_URL or http://LRS_HOST:LRS_PORT. People's account homePage is derived from it once.")
@click.option("--json", "as_json", is_flag=True, help="print the first login as JSON (each time it is kept)")
def init(admin_name: str, public_url: str | None, as_json: bool):
    config = _config()
    site = _settle_site(config, public_url, quiet=as_json)
    config = replace(config, **site)
    config.check_public_url()
    store = _store(config)
    first_login = config.home / FIRST_LOGIN_FILE
    made = False
    if store.get_person(admin_name) is None:
        password = new_password()
        create_person(store, config, admin_name, password, is_admin=True)
        credential, secret = make_credential(store, config, name="first credential", scopes=["all"])
        info = {
            "endpoint": f"{config.public_origin}{config.xapi_prefix}/",
            "space": f"{config.public_origin}/space/",
            "admin": {"username": admin_name, "password": password},
            "credential": {"key": credential.key, "secret": secret, "scopes": list(credential.scopes)},
        }
        config.home.mkdir(parents=True, exist_ok=True)
        write_private(first_login, json.dumps(info, indent=2))
        made = True
    if not first_login.exists():
        click.echo(f"The store at {config.store_url} is initialised; the first login was already handed out.")
        return
    info = json.loads(first_login.read_text())
    if as_json:
        click.echo(json.dumps(info))
        return
    if not made:  # printed once; every later start only says where it is
        click.echo(f"Learnfolio is initialised (store: {config.store_url}; space: {info.get('space', '')}).\n"
                   f"  The first login is kept in {first_login} (readable only by you); delete it once noted.")
        return
    click.echo(
        f"Learnfolio is initialised (store: {config.store_url}).\n"
        f"  xAPI endpoint : {info['endpoint']}\n"
        f"  learning space: {info.get('space', '')}\n"
        f"  admin login   : {info['admin']['username']} / {info['admin']['password']}\n"
        f"  xAPI key      : {info['credential']['key']}\n"
        f"  xAPI secret   : {info['credential']['secret']}\n"
        f"  people's accounts: homePage {config.people_home_page}\n"
        f"  (shown once; kept in {first_login}, readable only by you; delete it once you have noted them)\n"
        f"  e.g. curl -u {info['credential']['key']}:{info['credential']['secret']}"
        f" -H 'X-Experience-API-Version: 1.0.3' {info['endpoint']}statements"
    )


def _settle_site(config: Config, public_url: str | None, *, quiet: bool) -> dict:
    """The site file (lrs.config.SITE_FILE): the public URL when one was chosen, and people's account
    homePage, derived once from the site's address and never changed after (identities keep it)."""
    from lrs.config import read_site, write_site

    if public_url:
        replace(config, public_url=public_url).check_public_url()  # before anything is kept
    site = read_site(config.home)
    if site.get("people_home_page"):
        if public_url and public_url.rstrip("/") != site.get("public_url"):
            site["public_url"] = public_url.rstrip("/")
            write_site(config.home, site)
            if not quiet:
                click.echo(f"The public URL is now {site['public_url']}; people's account homePage stays "
                           f"{site['people_home_page']} (every identity already carries it).", err=True)
        return {k: v for k, v in site.items() if k in ("public_url", "people_home_page")}
    address, chosen = _site_address(config, public_url)
    replace(config, public_url=address).check_public_url()
    if "LRS_PEOPLE_HOME_PAGE" in config.environ:
        home_page = config.people_home_page
    elif _has_people(config):  # a store from before: its identities carry the old homePage already
        home_page = config.people_home_page
    else:
        home_page = f"{address}/people"
    site = {"people_home_page": home_page, **({"public_url": address} if chosen else {})}
    config.home.mkdir(parents=True, exist_ok=True)
    write_site(config.home, site)
    return site


def _has_people(config: Config) -> bool:
    store_file = config.home / "lrs.sqlite3"
    if config.store or store_file.exists():
        store = _store(config)
        try:
            return bool(store.list_people())
        finally:
            store.close()
    return False


@cli.command(help="Serve the LRS with Granian (several worker processes share the store).")
@click.option("--host", default=None, help="address to listen on [LRS_HOST, default 127.0.0.1]")
@click.option("--port", type=int, default=None, help="port [LRS_PORT, default 8080]")
@click.option("--workers", type=int, default=None, help="worker processes [LRS_WORKERS, default: one per CPU, at least 2]")
@click.option("--threads", type=int, default=4, show_default=True, help="threads per worker")
def serve(host, port, workers, threads):
    config = _config()
    host = host or config.host
    port = port or config.port
    workers = workers or config.workers
    _store(config).close()  # create the store once, before workers race to
    if not config.metrics_dir:  # the workers' counters, summed by /metrics
        metrics_dir = config.home / f"metrics-{port}"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)  # read by prometheus_client in each worker
        config = replace(config, metrics_dir=str(metrics_dir))
    from lrs.server import serve as serve_http

    click.echo(f"Serving the LRS at http://{host}:{port}{config.xapi_prefix}/ ({workers} workers)", err=True)
    serve_http(config, host=host, port=port, workers=workers, threads=threads)


@cli.group(help="Create, list and revoke xAPI credentials.")
def credentials():
    pass


@credentials.command("create", help="Create a credential and print its key and secret (shown only once).")
@click.option("--name", default="tool", show_default=True, help="what the credential is for")
@click.option("--scope", "scope", multiple=True, default=["all"], show_default=True,
              help=f"an xAPI scope, repeatable: {', '.join(SCOPES)}")
@click.option("--person", default=None,
              help="make a personal key that acts for this person (its scopes are the personal ones)")
@click.option("--profile", "profiles", multiple=True, metavar="IRI",
              help="check its statements against this loaded xAPI Profile (repeatable; lrs profiles list)")
@click.option("--profile-mode", type=click.Choice(["report", "enforce"]), default="report", show_default=True,
              help="report: store and keep findings; enforce: refuse statements that do not follow the profile")
@click.option("--json", "as_json", is_flag=True, help='print only {"key": …, "secret": …}')
def credentials_create(name, scope, person, profiles, profile_mode, as_json):
    from lrs.profiles import assign, load_registry

    config = _config()
    store = _store(config)
    known = load_registry(store)
    for iri in profiles:  # before the credential exists, so a typo makes none
        if known.find(iri) is None:
            raise click.ClickException(f"no profile {iri!r} is loaded (lrs profiles list)")
    try:
        credential, secret = make_credential(store, config, name=name, scopes=scope, person=person)
        for iri in profiles:
            assign(store, credential.key, iri, profile_mode)
    except LRSError as error:
        raise click.ClickException(error.message) from None
    if as_json:
        click.echo(json.dumps({"key": credential.key, "secret": secret}))
    else:
        click.echo(f"key:    {credential.key}\nsecret: {secret}\nscopes: {' '.join(credential.scopes)}")


@credentials.command("list", help="List credentials (never their secrets).")
@click.option("--json", "as_json", is_flag=True)
def credentials_list(as_json):
    store = _store(_config())
    rows = [c.to_public() for c in store.list_credentials()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no credentials")
    for row in rows:
        state = f"revoked {row['revoked']}" if row["revoked"] else "active"
        click.echo(f"{row['key']}  {row['name']:<20} {' '.join(row['scopes']):<40} {state}"
                   f"  last used {row['last_used'] or 'never'}")


@credentials.command("revoke", help="Revoke a credential by key.")
@click.argument("key")
def credentials_revoke(key):
    store = _store(_config())
    if not store.revoke_credential(key, _now()):
        raise click.ClickException(f"no active credential with key {key!r}")
    click.echo(f"revoked {key}")


@cli.group(help="xAPI Profiles: load them, assign them to credentials, see what was found (docs/profiles.md).")
def profiles():
    pass


def _profile_error(error: LRSError) -> click.ClickException:
    where = f" (at {error.location})" if error.location else ""
    return click.ClickException(f"{error.message}{where}")


@profiles.command("add", help="Load a profile from a JSON-LD FILE (a newer version of a loaded one replaces it).")
@click.argument("file", type=click.File("rb"))
def profiles_add(file):
    from lrs.profiles import add_profile

    try:
        profile = add_profile(_store(_config()), file.read())
    except LRSError as error:
        raise _profile_error(error) from None
    click.echo(f"loaded {profile.id} ({profile.label}), version {profile.version}: {len(profile.templates)} templates,"
               f" {len(profile.patterns)} patterns, {len(profile.concepts)} concepts")


@profiles.command("list", help="The profiles loaded (shipped and added) and which credentials they apply to.")
@click.option("--json", "as_json", is_flag=True)
def profiles_list(as_json):
    from lrs.profiles import load_registry

    known = load_registry(_store(_config()))
    rows = [{"id": p.id, "label": p.label, "version": p.version, "shipped": p.id in known.shipped_ids,
             "templates": list(p.templates), "patterns": list(p.patterns),
             "assigned": [{"credential": a.credential, "mode": a.mode} for items in known.assignments.values()
                          for a in items if a.profile == p.id]} for p in known.profiles]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        origin = "shipped" if row["shipped"] else "added"
        assigned = ", ".join(f"{a['credential']} ({a['mode']})" for a in row["assigned"]) or "no credential"
        click.echo(f"{row['id']}  {row['label']} [{origin}, {row['version']}]: {len(row['templates'])} templates,"
                   f" {len(row['patterns'])} patterns; assigned to {assigned}")


@profiles.command("show", help="A profile's templates and their rules.")
@click.argument("iri")
def profiles_show(iri):
    from lrs.profiles import load_registry

    profile = load_registry(_store(_config())).find(iri)
    if profile is None:
        raise click.ClickException(f"no profile {iri!r} is loaded (lrs profiles list)")
    click.echo(f"{profile.id} ({profile.label}), version {profile.version}")
    for template in profile.templates.values():
        determining = [f"verb {template.verb}"] if template.verb else []
        if template.object_activity_type:
            determining.append(f"object type {template.object_activity_type}")
        determining += [f"{kind} types {', '.join(types)}" for kind, types in template.context_activity_types]
        if template.attachment_usage_types:
            determining.append(f"attachment usage types {', '.join(template.attachment_usage_types)}")
        click.echo(f"  template {template.id} ({template.label}): {'; '.join(determining) or 'any statement'}")
        for index, rule in enumerate(template.rules):
            click.echo(f"    rule {index}: {rule.describe()}")
    for pattern in profile.patterns.values():
        click.echo(f"  {'primary ' if pattern.primary else ''}pattern {pattern.id}: {pattern.kind}"
                   f" {', '.join(pattern.members)}")


@profiles.command("remove", help="Remove a profile the operator added, and its assignments.")
@click.argument("iri")
def profiles_remove(iri):
    from lrs.profiles import remove_profile

    try:
        if not remove_profile(_store(_config()), iri):
            raise click.ClickException(f"no profile {iri!r} is loaded")
    except LRSError as error:
        raise _profile_error(error) from None
    click.echo(f"removed {iri}")


@profiles.command("assign", help="Check the statements of credential KEY against profile IRI in MODE (report or "
                                 "enforce).")
@click.argument("key")
@click.argument("iri")
@click.argument("mode", type=click.Choice(["report", "enforce"]))
def profiles_assign(key, iri, mode):
    from lrs.profiles import assign

    try:
        assignment = assign(_store(_config()), key, iri, mode)
    except LRSError as error:
        raise _profile_error(error) from None
    click.echo(f"{assignment.credential}: {assignment.profile} ({assignment.mode})")


@profiles.command("unassign", help="Stop checking credential KEY's statements against profile IRI.")
@click.argument("key")
@click.argument("iri")
def profiles_unassign(key, iri):
    from lrs.profiles import unassign

    if not unassign(_store(_config()), key, iri):
        raise click.ClickException(f"{iri} is not assigned to {key}")
    click.echo(f"{key}: no longer checked against {iri}")


@profiles.command("findings", help="What report mode found: statements stored that do not follow a profile.")
@click.option("--statement", "statement_id", default=None, help="only this statement's")
@click.option("--json", "as_json", is_flag=True)
def profiles_findings(statement_id, as_json):
    from lrs.access import Access
    from lrs.profiles import findings_of

    items = findings_of(_store(_config()), Access.operator())
    bodies = list({i.body["statement"]: i.body for i in items
                   if statement_id is None or i.body["statement"].lower() == statement_id.lower()}.values())
    if as_json:
        click.echo(json.dumps(bodies, indent=2))
        return
    if not bodies:
        click.echo("no findings")
    for body in bodies:
        click.echo(f"statement {body['statement']} (stored {body.get('stored')}, credential {body.get('credential')}):")
        for finding in body["findings"]:
            if finding["outcome"] == "unmatched":
                click.echo(f"  {finding['profile']} ({finding['mode']}): matches none of its templates")
            for failure in finding["failures"]:
                click.echo(f"  {finding['profile']} ({finding['mode']}): {failure['template']}: "
                           f"{failure.get('requirement', 'StatementRef')}: {failure['reason']}")


@profiles.command("check", help="Check statements against a profile: from a JSON FILE (a statement or an array), "
                                "or a stored registration's against the profile's primary patterns.")
@click.argument("file", type=click.File("rb"), required=False)
@click.option("--profile", "iri", required=True, help="the profile's id or a version id")
@click.option("--registration", default=None, help="check this registration's stored statements against the "
                                                   "profile's primary patterns")
def profiles_check(file, iri, registration):
    from lrs.access import Access
    from lrs.profiles import check_registration, load_registry
    from lrs.xapi.profiles import follows, timestamp_order, validates

    store = _store(_config())
    known = load_registry(store)
    profile = known.find(iri)
    if profile is None:
        raise click.ClickException(f"no profile {iri!r} is loaded (lrs profiles list)")
    if registration is not None:
        result = check_registration(store, Access.operator(), registration, iri)
        click.echo(f"registration {registration}: {result.outcome}: {result.detail}")
        sys.exit(0 if result.outcome == "success" else 1)
    if file is None:
        raise click.ClickException("give a FILE of statements or --registration")
    try:
        statements = json.loads(file.read())
    except ValueError as error:
        raise click.ClickException(f"the file is not JSON: {error}") from None
    statements = statements if isinstance(statements, list) else [statements]
    problems = 0
    for position, statement in enumerate(statements):
        result = validates(statement, profile.templates)
        name = statement.get("id") or f"statement[{position}]"
        if result.outcome == "success":
            click.echo(f"{name}: follows {', '.join(result.templates)}")
            continue
        problems += 1
        if result.outcome == "unmatched":
            click.echo(f"{name}: matches no template")
        for failure in result.failures:
            click.echo(f"{name}: {failure.message()}")
    others = [p for p in known.profiles if p.id != profile.id]
    by_registration: dict = {}
    for statement in statements:
        registration_id = (statement.get("context") or {}).get("registration")
        if registration_id and profile.patterns:
            by_registration.setdefault(registration_id, []).append(statement)
    for registration_id, group in by_registration.items():
        result = follows(timestamp_order(group), profile, others)
        click.echo(f"registration {registration_id}: {result.outcome}: {result.detail}")
        problems += result.outcome != "success"
    click.echo(f"{len(statements)} statements checked, {problems} problems")
    sys.exit(1 if problems else 0)


@cli.command(help="Check the store's integrity; exit 1 if a problem is found.")
def check():
    store = _store(_config())
    click.echo(f"checking {store.statement_count()} statements …", err=True)
    problems = store.check()
    for problem in problems:
        click.echo(f"problem: {problem}")
    if problems:
        sys.exit(1)
    click.echo("ok: no problems found")


@cli.command(help="Copy the live SQLite store to FILE (consistent, safe while the LRS serves).")
@click.argument("file", type=click.Path(dir_okay=False))
def backup(file):
    store = _store(_config())
    if not hasattr(store, "backup"):
        raise click.ClickException("this store has no built-in backup (for MongoDB use mongodump)")
    with click.progressbar(length=1, label="backing up", file=sys.stderr) as bar:
        def progress(done, total):
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        store.backup(file, progress=progress)
    from lrs.store.sqlite import SQLiteStore

    count, digest = SQLiteStore(file).checksum()
    click.echo(f"backed up {count} statements to {file} (sha256 {digest[:16]}…)")


@cli.command(help="Replace the store in LRS_HOME with the backup FILE (stop the LRS first).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def restore(file, yes):
    from lrs.store.sqlite import SQLiteStore

    config = _config()
    url = config.store_url
    if not url.startswith("sqlite:"):
        raise click.ClickException("restore works on SQLite stores (for MongoDB use mongorestore)")
    source = SQLiteStore(file)
    problems = source.check()
    if problems:
        raise click.ClickException(f"the backup is damaged: {problems[0]}")
    if not yes:
        click.confirm(f"Replace {url} with {file}?", abort=True)
    target = url.split("://", 1)[1]
    source.backup(target)
    for suffix in ("-wal", "-shm"):  # the old store's log must not be replayed onto the restored one
        Path(target + suffix).unlink(missing_ok=True)
    count, digest = SQLiteStore(target).checksum()
    expected = source.checksum()
    if (count, digest) != expected:
        raise click.ClickException("the restored store does not match the backup")
    click.echo(f"restored {count} statements from {file} (sha256 {digest[:16]}…)")


def _open_url(url: str):
    from dataclasses import replace as _replace

    config = _replace(_config(), store=url)
    return _store(config)


def run_migration(source, target, *, batch_size: int = 1000, check: bool = True, echo=click.echo) -> dict:
    """Copy ``source`` into ``target`` with a progress bar on stderr, then verify; the figures as a dict."""
    import time

    from lrs.store.migrate import migrate, verify

    started = time.perf_counter()
    with click.progressbar(length=max(source.statement_count(), 1), label="statements", file=sys.stderr,
                           show_pos=True, show_percent=True) as bar:
        skipped, copied = migrate(source, target, batch_size=batch_size, progress=bar.update)
    seconds = time.perf_counter() - started
    figures = {"skipped": skipped, "copied": copied, "seconds": round(seconds, 2),
               "rate": round(copied / seconds) if seconds else 0}
    echo(f"copied {copied} statements in {seconds:.1f} s ({figures['rate']}/s)"
         + (f"; {skipped} were copied by an earlier run" if skipped else ""))
    if not check:
        return figures
    started = time.perf_counter()
    result = verify(source, target)
    figures.update(verified=result.ok, verify_seconds=round(time.perf_counter() - started, 2),
                   counts=result.counts, digests=result.digests)
    for kind, (a, b) in result.counts.items():
        echo(f"  {kind:<12} source {a:>9}  target {b:>9}  {'ok' if a == b else 'DIFFERENT'}")
    echo(f"  statements sha256 source {result.digests[0]}\n"
         f"                    target {result.digests[1]}  {'ok' if result.ok else 'DIFFERENT'}")
    return figures


@cli.command(help="Copy everything from one store to another (sqlite:///… or mongodb://…), then verify.")
@click.option("--from", "source_url", required=True, help="the store to copy, e.g. sqlite:///lrs-data/lrs.sqlite3")
@click.option("--to", "target_url", required=True, help="an empty store, or one a stopped migrate left in part")
@click.option("--batch-size", type=int, default=1000, show_default=True, help="statements per write")
@click.option("--verify/--no-verify", "check", default=True, show_default=True,
              help="compare counts and a checksum of canonical statement JSON afterwards")
def migrate(source_url, target_url, batch_size, check):
    from lrs.store.migrate import MigrationError

    if source_url == target_url:
        raise click.ClickException("--from and --to name the same store")
    source, target = _open_url(source_url), _open_url(target_url)
    try:
        figures = run_migration(source, target, batch_size=batch_size, check=check)
    except MigrationError as error:
        raise click.ClickException(error.message) from None
    finally:
        source.close()
        target.close()
    if check and not figures["verified"]:
        raise click.ClickException("the copy differs from the source")
    if check:
        click.echo("verified: counts and checksums match")


@cli.group(help="Statement requests the LRS refused from tool credentials, kept to be fixed and sent again"
           " (a person's own keys' are on their Not accepted page, never here).")
def rejected():
    pass


def _rejected_row(found) -> dict:
    return {"id": found.id, "when": found.when, "expires": found.expires,
            "credential": {"key": found.credential_key, "name": found.credential_name}, "method": found.method,
            "status": found.status, "message": found.message, "location": found.location,
            "version": found.version, "statements": found.statements, "body_bytes": found.body_bytes,
            "kept": found.kept, "edited": found.edited, "parts": found.parts}


def _rejected_app():
    """The application, without the first-party plugins' background threads (forwarding, scheduled pulls):
    a short command must not start work it would leave half done."""
    return command_app({"forward_worker": False, "pull_worker": False})


def _operator_rejected(lrs, rejected_id: str):
    from lrs.access import Access
    from lrs.rejected import find_rejected

    found = find_rejected(lrs, Access.operator(), rejected_id)
    if found is None:
        raise click.ClickException(f"no refused request {rejected_id!r} of a tool credential (a person's own are"
                                   " theirs alone)")
    return found


@rejected.command("list", help="Refused requests of tool credentials, newest first.")
@click.option("--credential", "key", default=None, help="only this credential's")
@click.option("--json", "as_json", is_flag=True)
def rejected_list(key, as_json):
    from lrs.access import Access
    from lrs.rejected import list_rejected

    rows = [_rejected_row(r) for r in list_rejected(_rejected_app(), Access.operator())
            if key is None or r.credential_key == key]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no refused requests of tool credentials are kept")
    for row in rows:
        where = f" at {row['location']}" if row["location"] else ""
        click.echo(f"{row['id']}  {row['when']}  {row['credential']['name']} ({row['credential']['key']})"
                   f"  {row['method']} {row['status']}: {row['message']}{where}")


@rejected.command("show", help="What was refused, why, and the statements as kept (to fix).")
@click.argument("rejected_id")
@click.option("--body", "body_only", is_flag=True, help="print only the statements, e.g. to edit them in a file")
def rejected_show(rejected_id, body_only):
    found = _operator_rejected(_rejected_app(), rejected_id)
    text = found.text()
    if body_only:
        if text is None:
            raise click.ClickException("its body was larger than LRS_REJECTED_MAX_BYTES and was not kept")
        click.echo(text)
        return
    row = _rejected_row(found)
    for name in ("id", "when", "expires", "method", "status", "message", "location", "version", "statements",
                 "body_bytes", "kept", "edited"):
        click.echo(f"{name + ':':<11} {row[name]}")
    click.echo(f"{'credential:':<11} {found.credential_name} ({found.credential_key})")
    for part in found.parts:
        click.echo(f"{'part:':<11} {part['content_type']}, {part['length']} bytes, sha2 {part['sha2']}")
    click.echo("" if text is None else "\n" + text)


@rejected.command("resend", help="Send a refused request again as the tool credential that sent it, as kept or"
                  " fixed (--from FILE); a refusal again keeps the fix and the new reason.")
@click.argument("rejected_id")
@click.option("--from", "source", type=click.File("r", encoding="utf-8"), default=None,
              help="the fixed statements (JSON), instead of the body as kept")
def rejected_resend(rejected_id, source):
    from lrs.access import Access
    from lrs.rejected import resend_rejected

    lrs = _rejected_app()
    found = _operator_rejected(lrs, rejected_id)
    try:
        ids = resend_rejected(lrs, Access.operator(), found, source.read() if source else None)
    except LRSError as error:
        where = f" at {error.location}" if error.location else ""
        raise click.ClickException(f"refused again ({error.status_code}): {error.message}{where}") from None
    click.echo(f"stored {len(ids)} statements as {found.credential_name}: {', '.join(ids)}")


@rejected.command("purge", help="Delete expired refused requests (anyone's); with IDs or --all, also these or"
                  " all of the tool credentials'.")
@click.argument("rejected_ids", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="every refused request of a tool credential")
def rejected_purge(rejected_ids, everything):
    from lrs.access import Access
    from lrs.rejected import discard_rejected, purge_rejected

    lrs = _rejected_app()
    found = [_operator_rejected(lrs, i) for i in rejected_ids]
    expired = purge_rejected(lrs)
    discarded = purge_rejected(lrs, everything=True) if everything else 0
    for one in found if not everything else ():
        discard_rejected(lrs, Access.operator(), one)
        discarded += 1
    click.echo(f"purged {expired} expired and {discarded} more refused requests")


@cli.command(help="List the plugins loaded and the hooks each implements.")
def plugins():
    from lrs.plugins import get_plugin_manager, list_plugins

    for plugin in list_plugins(get_plugin_manager(_config())):
        click.echo(f"{plugin['name']}: {', '.join(plugin['hooks'])}")


def _register_plugin_commands():
    from lrs.plugins import get_plugin_manager

    try:
        get_plugin_manager(Config.from_env()).hook.register_commands(cli=cli)
    except Exception as error:  # a broken plugin must not make the command unusable
        click.echo(f"warning: plugin commands not loaded: {error}", err=True)


_register_plugin_commands()
