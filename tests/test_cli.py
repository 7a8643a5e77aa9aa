"""The ``lrs`` command."""

from __future__ import annotations

import json

from lrs.cli import cli
from tests.conftest import EVERYTHING


def test_help_on_every_command(runner):
    for args in ([], ["init"], ["serve"], ["backup"], ["restore"], ["credentials"], ["credentials", "create"], ["credentials", "list"],
                 ["credentials", "revoke"], ["check"], ["plugins"], ["migrate"]):
        result = runner.invoke(cli, args + ["--help"])
        assert result.exit_code == 0, (args, result.output)
        assert "Usage:" in result.output


def test_init_prints_first_login_once_and_keeps_it(runner, tmp_path):
    first = runner.invoke(cli, ["init", "--json"])
    assert first.exit_code == 0, first.output
    info = json.loads(first.output)
    assert info["admin"]["username"] == "admin" and info["credential"]["secret"]
    again = json.loads(runner.invoke(cli, ["init", "--json"]).output)
    assert again == info
    assert (tmp_path / "lrs.sqlite3").exists()
    assert oct((tmp_path / "first-login.json").stat().st_mode)[-3:] == "600"


def test_init_prints_the_first_login_once_then_only_where_it_is_kept(runner, tmp_path):
    first = runner.invoke(cli, ["init"])
    password = json.loads((tmp_path / "first-login.json").read_text())["admin"]["password"]
    assert password in first.output
    again = runner.invoke(cli, ["init"])  # what `make serve` runs on every start
    assert again.exit_code == 0 and password not in again.output
    assert str(tmp_path / "first-login.json") in again.output and "readable only by you" in again.output


def test_init_derives_the_people_home_page_from_the_public_url_once(runner, tmp_path):
    from lrs.app import create_app

    result = runner.invoke(cli, ["init", "--public-url", "https://lrs.corp.example/"])
    assert result.exit_code == 0, result.output
    assert "https://lrs.corp.example/xapi/" in result.output
    assert oct((tmp_path / "site.json").stat().st_mode)[-3:] == "600"
    config = create_app({"home": tmp_path}).extensions["lrs"].config
    assert config.people_home_page == "https://lrs.corp.example/people"
    assert config.public_origin == "https://lrs.corp.example"
    admin = create_app({"home": tmp_path}).extensions["lrs"].store.list_identities(1)
    assert admin[0].agent["account"]["homePage"] == "https://lrs.corp.example/people"
    # moving the site later changes its links, never the homePage every identity already carries
    moved = runner.invoke(cli, ["init", "--public-url", "https://learning.corp.example"])
    assert "stays https://lrs.corp.example/people" in moved.output
    config = create_app({"home": tmp_path}).extensions["lrs"].config
    assert (config.public_origin, config.people_home_page) == ("https://learning.corp.example",
                                                               "https://lrs.corp.example/people")


def test_init_asks_for_the_address_on_a_terminal(runner, tmp_path, monkeypatch):
    monkeypatch.setattr("lrs.cli._interactive", lambda: True)
    result = runner.invoke(cli, ["init"], input="https://learn.example.org\n")
    assert result.exit_code == 0, result.output
    assert "public URL" in result.output and "https://learn.example.org/xapi/" in result.output
    assert json.loads((tmp_path / "site.json").read_text()) == {
        "people_home_page": "https://learn.example.org/people", "public_url": "https://learn.example.org"}


def test_init_without_a_terminal_takes_the_listening_address(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("LRS_PORT", "8123")
    result = runner.invoke(cli, ["init"])  # no terminal: no question, as on CI or a fresh `make serve`
    assert result.exit_code == 0 and "public URL" not in result.output
    assert json.loads((tmp_path / "site.json").read_text()) == {"people_home_page": "http://127.0.0.1:8123/people"}


def test_a_store_from_before_keeps_the_home_page_its_identities_carry(runner, tmp_path):
    from lrs.app import create_app
    from lrs.auth.personal import create_person

    lrs = create_app({"home": tmp_path}).extensions["lrs"]
    create_person(lrs.store, lrs.config, "ann", "a-long-password-1")
    runner.invoke(cli, ["init", "--public-url", "https://lrs.corp.example"])
    assert json.loads((tmp_path / "site.json").read_text())["people_home_page"] == "https://learnfolio.example/people"


def test_an_init_public_url_that_is_not_an_origin_is_refused(runner):
    result = runner.invoke(cli, ["init", "--public-url", "lrs.corp.example/path"])
    assert result.exit_code != 0 and "LRS_PUBLIC_URL must be an origin" in str(result.exception)
    assert runner.invoke(cli, ["init"]).exit_code == 0  # nothing wrong was kept


def test_credentials_create_json_prints_only_key_and_secret(runner):
    result = runner.invoke(cli, ["credentials", "create", "--scope", "all", "--json"])
    assert result.exit_code == 0
    assert set(json.loads(result.stdout)) == {"key", "secret"}


def test_credentials_list_and_revoke(runner):
    key = json.loads(runner.invoke(cli, ["credentials", "create", "--name", "quiz", "--scope",
                                         "statements/write", "--json"]).stdout)["key"]
    listed = json.loads(runner.invoke(cli, ["credentials", "list", "--json"]).stdout)
    assert [c["key"] for c in listed] == [key]
    assert listed[0]["scopes"] == ["statements/write"]
    assert runner.invoke(cli, ["credentials", "revoke", key]).exit_code == 0
    assert runner.invoke(cli, ["credentials", "revoke", key]).exit_code != 0
    assert json.loads(runner.invoke(cli, ["credentials", "list", "--json"]).stdout)[0]["revoked"]


def test_credentials_with_unknown_scope_or_person_fail_clearly(runner):
    bad_scope = runner.invoke(cli, ["credentials", "create", "--scope", "everything"])
    assert bad_scope.exit_code != 0 and "unknown scope" in bad_scope.output
    bad_person = runner.invoke(cli, ["credentials", "create", "--person", "nobody"])
    assert bad_person.exit_code != 0 and "no person" in bad_person.output


def test_credential_for_a_person(runner):
    runner.invoke(cli, ["init"])
    result = runner.invoke(cli, ["credentials", "create", "--person", "admin", "--json"])
    assert result.exit_code == 0
    listed = json.loads(runner.invoke(cli, ["credentials", "list", "--json"]).stdout)
    assert any(c["person_id"] is not None for c in listed)


def test_check_reports_ok_and_problems(runner, tmp_path):
    runner.invoke(cli, ["init"])
    ok = runner.invoke(cli, ["check"])
    assert ok.exit_code == 0 and "ok" in ok.output
    import sqlite3

    conn = sqlite3.connect(tmp_path / "lrs.sqlite3")
    conn.execute("INSERT INTO statement_index (term, seq) VALUES (1, 999)")
    conn.commit()
    conn.close()
    bad = runner.invoke(cli, ["check"])
    assert bad.exit_code == 1 and "point at no statement" in bad.output


def test_plugins_lists_builtins(runner):
    result = runner.invoke(cli, ["plugins"])
    assert "lrs.store.sqlite: register_stores" in result.output


def test_backup_during_writes_and_restore(runner, tmp_path):
    """A backup taken while statements are being written restores to a consistent store."""
    import threading
    import uuid

    from lrs.store.sqlite import SQLiteStore
    from lrs.xapi.statements import prepare
    from tests.conftest import statement

    runner.invoke(cli, ["init"])
    store = SQLiteStore(tmp_path / "lrs.sqlite3")
    authority = {"mbox": "mailto:tool@example.org"}
    stop = threading.Event()

    def write():
        while not stop.is_set():
            store.store_statements([prepare(statement(id=str(uuid.uuid4())), authority=authority, owners=None,
                                            authority_key="k", version="1.0.3") for _ in range(20)])

    writer = threading.Thread(target=write)
    writer.start()
    try:
        backup_file = tmp_path / "backups" / "copy.sqlite3"
        result = runner.invoke(cli, ["backup", str(backup_file)])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    copy = SQLiteStore(backup_file)
    assert copy.check() == []
    count, digest = copy.checksum()
    assert count % 20 == 0  # whole batches only
    assert store.statement_count() >= count
    restored = runner.invoke(cli, ["restore", str(backup_file), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert SQLiteStore(tmp_path / "lrs.sqlite3").checksum() == (count, digest)
    assert f"restored {count} statements" in restored.output


def test_restore_refuses_a_damaged_backup(runner, tmp_path):
    runner.invoke(cli, ["init"])
    bad = tmp_path / "bad.sqlite3"
    runner.invoke(cli, ["backup", str(bad)])
    import sqlite3

    conn = sqlite3.connect(bad)
    conn.execute("INSERT INTO statement_index (term, seq) VALUES (1, 999)")
    conn.commit()
    conn.close()
    result = runner.invoke(cli, ["restore", str(bad), "--yes"])
    assert result.exit_code != 0 and "damaged" in result.output


def _filled_sqlite(path, count):
    """A SQLite store with ``count`` statements (and a person, a credential, a document)."""
    import uuid

    from lrs.store.sqlite import SQLiteStore
    from lrs.xapi.documents import STATE, Document, DocumentRef
    from lrs.xapi.statements import prepare
    from tests.conftest import statement

    store = SQLiteStore(path)
    store.initialise()
    authority = {"objectType": "Agent", "account": {"homePage": "https://example.org", "name": "tool"}}
    for start in range(0, count, 500):
        store.store_statements([
            prepare(statement(id=str(uuid.uuid4()), context={"registration": str(uuid.uuid4())}),
                    authority=authority, authority_key="tool", version="1.0.3", define=True, owners=None)
            for _ in range(min(500, count - start))])
    person = store.add_person("ann", "hash")
    store.add_identity(person.id, {"mbox": "mailto:ann@example.org"}, verified_by="signup")
    store.change_document(DocumentRef(STATE, activity_id="http://example.org/a", agent="Agent|mbox|mailto:a@b",
                                      doc_id="s"), lambda _: Document.new("application/json", b"{}"), reach=EVERYTHING)
    return store


def test_migrate_2000_statements_sqlite_to_sqlite_verified(runner, tmp_path):
    _filled_sqlite(tmp_path / "source.sqlite3", 2000)
    args = ["migrate", "--from", f"sqlite:///{tmp_path}/source.sqlite3", "--to", f"sqlite:///{tmp_path}/copy.sqlite3"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "copied 2000 statements" in result.output and "verified: counts and checksums match" in result.output
    assert "statements   source      2000  target      2000  ok" in result.output
    again = runner.invoke(cli, args)  # a second run resumes: nothing left to copy
    assert again.exit_code == 0 and "copied 0 statements" in again.output and "2000 were copied" in again.output
    same = runner.invoke(cli, ["migrate", "--from", args[2], "--to", args[2]])
    assert same.exit_code != 0 and "same store" in same.output


def test_migrate_2000_statements_sqlite_to_mongomock_verified(tmp_path):
    import mongomock

    from lrs.cli import run_migration
    from lrs.store.migrate import statements_digest
    from lrs.store.mongo import MongoStore

    source = _filled_sqlite(tmp_path / "source.sqlite3", 2000)
    target = MongoStore(mongomock.MongoClient(), "migrate", transactions=False)
    target.initialise()
    lines = []
    figures = run_migration(source, target, echo=lines.append)
    assert figures["verified"] and figures["copied"] == 2000
    assert figures["counts"]["statements"] == (2000, 2000) and figures["counts"]["people"] == (1, 1)
    assert figures["digests"][0] == figures["digests"][1] == statements_digest(source)[1]
    assert target.check() == []
