"""lrs-journal against a real Learnfolio: idempotent imports, edits that void and replace, `add`."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from lrs.xapi.validation import validate_statement
from lrs_journal.cli import cli
from lrs_journal.config import Config
from lrs_journal.notes import file_entries
from lrs_journal.statements import VERB, VOIDED, Entry, entry_statement, voiding_statement

LRS_JOURNAL = str(Path(sys.executable).parent / "lrs-journal")


@pytest.fixture
def journal(live_server, tmp_path, request):
    """Run lrs-journal as one person (a fresh person per test) with their personal key."""
    person = request.node.name.replace("_", "-")
    email = f"{person}@example.org"
    credential = live_server.personal_key(person, {"mbox": f"mailto:{email}"})
    env = {
        "LRS_JOURNAL_ENDPOINT": live_server.endpoint,
        "LRS_JOURNAL_KEY": credential[0],
        "LRS_JOURNAL_SECRET": credential[1],
        "LRS_JOURNAL_ACTOR_NAME": "Grace",
        "LRS_JOURNAL_ACTOR_EMAIL": email,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),  # never the real ~/.config
        "LRS_JOURNAL_CONFIG": "",
    }
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    run.env = env
    run.actor = {"mbox": f"mailto:{email}"}
    return run


def entry_statements(live_server, who) -> list[dict]:
    """The live journal entries (a verb filter also finds the statements that void one: xAPI's
    filter conditions for StatementRefs)."""
    return [s for s in live_server.statements(agent=who, verb=VERB["id"])
            if s["object"].get("objectType", "Activity") == "Activity"]


def write_notes(folder: Path, count: int) -> None:
    folder.mkdir()
    for day in range(count):
        date = time.strftime("%Y-%m-%d", time.gmtime(1735689600 + day * 86400))
        (folder / f"{date}.md").write_text(
            f"# {date}\n\n## Learned about topic {day} (25 min)\n\n"
            f"Read the docs of module {day} and tried it out. #python #note{day % 7}\n")


def test_import_200_notes_twice_then_edit_one(journal, live_server, tmp_path):
    notes = tmp_path / "daily"
    write_notes(notes, 200)

    started = time.monotonic()
    first = journal("import", str(notes))
    first_seconds = time.monotonic() - started
    assert first.strip() == "200 entries in 200 files: 200 new, 0 changed, 0 unchanged; 0 old statements voided"
    stored = live_server.statements(agent=journal.actor)
    assert len(stored) == 200
    assert len({s["object"]["id"] for s in stored}) == 200

    started = time.monotonic()
    second = journal("import", str(notes))
    second_seconds = time.monotonic() - started
    assert second.strip() == "200 entries in 200 files: 0 new, 0 changed, 200 unchanged; 0 old statements voided"
    assert sorted(s["id"] for s in live_server.statements(agent=journal.actor)) == sorted(s["id"] for s in stored)

    edited = notes / "2025-03-01.md"
    edited.write_text(edited.read_text().replace("tried it out", "used it in a project"))
    old = next(s for s in stored if s["object"]["id"].endswith("/2025-03-01.md#learned-about-topic-59"))
    third = journal("import", str(notes))
    assert third.strip() == "200 entries in 200 files: 0 new, 1 changed, 199 unchanged; 1 old statements voided"

    live = entry_statements(live_server, journal.actor)
    assert len(live) == 200
    assert old["id"] not in {s["id"] for s in live}
    replacement = next(s for s in live if s["object"]["id"] == old["object"]["id"])
    assert "used it in a project" in replacement["result"]["response"]
    voiding = live_server.statements(agent=journal.actor, verb=VOIDED["id"])
    assert len(voiding) == 1
    assert voiding[0]["object"] == {"objectType": "StatementRef", "id": old["id"]}
    voided = live_server.session().get(live_server.endpoint + "statements",
                                       params={"voidedStatementId": old["id"]}).json()
    assert voided["id"] == old["id"]
    assert len(live_server.statements(agent=journal.actor)) == 201  # 200 entries and 1 voiding statement

    fourth = journal("import", str(notes))
    assert fourth.strip() == "200 entries in 200 files: 0 new, 0 changed, 200 unchanged; 0 old statements voided"
    assert len(live_server.statements(agent=journal.actor)) == 201
    for statement in live_server.statements(agent=journal.actor):
        validate_statement(statement, version="1.0.3")
    print(f"\n200 notes: first import {first_seconds:.2f} s, second (no change) {second_seconds:.2f} s")


def test_an_entry_edited_back_gets_a_fresh_statement(journal, live_server, tmp_path):
    """A voided id cannot be stored again, so content that comes back gets a new revision id."""
    notes = tmp_path / "notes"
    notes.mkdir()
    note = notes / "2025-05-01.md"
    for text in ("first words", "second words", "first words"):
        note.write_text(f"## Idea\n\n{text}\n")
        journal("import", str(notes))
    live = entry_statements(live_server, journal.actor)
    assert [s["result"]["response"] for s in live] == ["first words"]
    assert len(live_server.statements(agent=journal.actor, verb=VOIDED["id"])) == 2
    assert "0 new, 0 changed, 1 unchanged" in journal("import", str(notes))


def test_headings_renamed_or_removed_are_voided(journal, live_server, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    note = notes / "2025-06-02.md"
    note.write_text("# Monday\n\n## Asyncio (1 h 30 min)\n\nevent loops #python\n\n## Git\n\nrebase\n")
    assert "2 new" in journal("import", str(notes))
    note.write_text("# Monday\n\n## Asyncio (1 h 30 min)\n\nevent loops #python\n")
    assert journal("import", str(notes)).strip().endswith("0 new, 0 changed, 1 unchanged; 1 old statements voided")
    live = entry_statements(live_server, journal.actor)
    assert [s["object"]["definition"]["name"]["und"] for s in live] == ["Asyncio"]
    assert live[0]["result"]["duration"] == "PT1H30M"
    assert live[0]["timestamp"].startswith("2025-06-02T12:00:00")


def test_add_from_the_terminal(journal, live_server):
    answer = subprocess.run(
        [LRS_JOURNAL, "add", "Learned how to write idempotent imports\n\nuuid5 over the content.",
         "--minutes", "30", "--tag", "python", "--tag", "xapi"],
        env={"PATH": "/usr/bin:/bin", **journal.env}, capture_output=True, text=True, check=True)
    statement_id = answer.stdout.split()[-1]
    statement = live_server.session().get(live_server.endpoint + "statements",
                                          params={"statementId": statement_id}).json()
    assert statement["actor"] == {"objectType": "Agent", "name": "Grace", **journal.actor}
    assert statement["verb"]["id"] == VERB["id"]
    assert statement["object"]["definition"]["name"] == {"und": "Learned how to write idempotent imports"}
    assert statement["result"] == {"response": "Learned how to write idempotent imports\n\nuuid5 over the content.",
                                   "duration": "PT30M"}
    assert statement["context"]["extensions"] == {"http://id.tincanapi.com/extension/tags": ["python", "xapi"]}


def test_check_and_missing_settings(journal):
    assert "key accepted" in journal("check")
    result = CliRunner().invoke(cli, ["add", "x"], env={"XDG_CONFIG_HOME": "/nonexistent", "LRS_JOURNAL_CONFIG": "",
                                                       **{k: "" for k in journal.env if k.startswith("LRS_")}})
    assert result.exit_code == 2
    assert "missing endpoint, key, secret" in result.output


def test_a_personal_key_refuses_another_actor(journal):
    """The actor must be the key's person: another identity gets the LRS's 403, said plainly."""
    env = {**journal.env, "LRS_JOURNAL_ACTOR_EMAIL": "someone.else@example.org"}
    result = CliRunner().invoke(cli, ["add", "Not mine"], env=env)
    assert result.exit_code == 1
    assert "answered 403" in result.output and "personal key" in result.output


# -- without a server -------------------------------------------------------------------------------


def test_settings_file_then_environment_then_flags(tmp_path):
    path = tmp_path / "lrs-journal.toml"
    path.write_text('endpoint = "http://file/xapi/"\nkey = "file-key"\nsecret = "s"\nemail = "a@file.org"\n')
    environ = {"LRS_JOURNAL_KEY": "env-key", "LRS_JOURNAL_ACTOR_EMAIL": "a@env.org"}
    config = Config.load(path, environ, email="a@flag.org")
    assert (config.endpoint, config.key, config.secret, config.email) == \
        ("http://file/xapi/", "env-key", "s", "a@flag.org")
    path.write_text('endpiont = "typo"\n')
    with pytest.raises(ValueError, match="unknown setting"):
        Config.load(path, {})


def test_notes_one_entry_per_heading_or_per_file(tmp_path):
    note = tmp_path / "2025-02-03 week.md"
    note.write_text("# Tuesday\nintro, not an entry\n\n## Pytest fixtures (45 min)\nscopes #testing\n"
                    "### detail\nstays inside\n```\n## not a heading\n```\n## Pytest fixtures\nagain\n"
                    "## (20 min)\n\n# Later\nnot in a section\n")
    entries = file_entries(note, "2025-02-03 week.md", "urn:x:")
    assert [(e.iri, e.name, e.minutes, e.tags) for e in entries] == [
        ("urn:x:2025-02-03%20week.md#pytest-fixtures", "Pytest fixtures", 45, ("testing",)),
        ("urn:x:2025-02-03%20week.md#pytest-fixtures-2", "Pytest fixtures", None, ()),
        ("urn:x:2025-02-03%20week.md#entry", "untitled", 20, ()),
    ]
    assert entries[0].text == "scopes #testing\n### detail\nstays inside\n```\n## not a heading\n```"
    assert entries[0].timestamp == "2025-02-03T12:00:00Z"
    (whole,) = file_entries(note, "2025-02-03 week.md", "urn:x:", per="file")
    assert (whole.iri, whole.name, whole.tags) == ("urn:x:2025-02-03%20week.md", "Tuesday", ("testing",))
    plain = tmp_path / "ideas.md"
    plain.write_text("no headings here")
    (only,) = file_entries(plain, "ideas.md", "urn:x:")
    assert (only.name, only.text, only.timestamp) == ("ideas", "no headings here", None)


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_journal_statements_pass_the_lrs_validation(version):
    config = Config(endpoint="http://x/", key="k", secret="s", name="Grace", email="grace@example.org")
    account = Config(endpoint="http://x/", key="k", secret="s", account_homepage="https://lrs.example.org",
                     account_name="grace")
    for who in (config, account):
        for entry in (Entry(iri="urn:lrs-journal:abc:notes/j/a.md#x", name="A"),
                      Entry(iri="urn:lrs-journal:abc:notes/j/b%20c.md", name="B", text="t", tags=("a", "b"),
                            minutes=90.5, timestamp="2025-01-01T12:00:00Z")):
            statement = entry_statement(entry, who)
            validate_statement(statement, version=version)
            validate_statement(voiding_statement(who, statement["id"]), version=version)
            assert entry_statement(entry, who)["id"] == statement["id"]  # deterministic
