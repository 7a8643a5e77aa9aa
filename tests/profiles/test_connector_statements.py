"""The profiles Learnfolio ships (lrs/profiles/*.jsonld) against the statements its own connectors make,
generated in quantity by each connector's own code: the browser extension's statement builder (run by
Node), the lrs-journal command's notes reader and statement builder, and the chat plugin's builder.

Every statement must follow its connector's profile, and match no template of the others' (the
profiles tell the connectors apart). The counts are asserted, so a change in what is generated shows.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess

import pytest

from lrs.config import Config
from lrs.profiles import shipped
from lrs.xapi.profiles import validates
from lrs.xapi.validation import validate_statement
from lrs_chat.statements import LEARNED, SAVED, chat_statement
from lrs_journal.config import Config as JournalConfig
from lrs_journal.notes import folder_entries
from lrs_journal.statements import entry_statement, iri_base, voiding_statement
from tests.browser_support import ROOT

STATEMENT_JS = ROOT / "connectors" / "browser-extension" / "lib" / "statement.js"
BROWSER = "https://learnfolio.example/xapi/profiles/browser-capture"
JOURNAL = "https://learnfolio.example/xapi/profiles/journal"
CHAT = "https://learnfolio.example/xapi/profiles/chat"

BUILD_GRID = """
import { VERBS, buildStatement } from %s;
const identities = [
  { kind: "mbox", name: "Ada", email: "ada@example.org" },
  { kind: "account", homePage: "https://lrs.example.org", accountName: "ada" },
];
const seconds = [undefined, 0, 59, 3725];
const ratings = ["", "1", "3", "5", "7"];
const tags = ["", "xapi, lrs, xapi"];
const languages = ["en-GB", "not a tag"];
const extras = [
  { title: "A page" },
  { title: "", note: "a reflection" },
  { title: "Talk", quote: "a quoted sentence", canonicalHref: "https://example.org/canonical" },
  { title: "Ünïcödé ✓", note: "n", quote: "q" },
];
const statements = [];
let n = 0;
for (const identity of identities) for (const verb of Object.keys(VERBS)) for (const s of seconds)
  for (const rating of ratings) for (const tag of tags) for (const language of languages) {
    n += 1;
    const extra = extras[n %% extras.length];
    statements.push(buildStatement({
      id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`, timestamp: new Date(n * 1000).toISOString(),
      identity, verb, pageUrl: "https://example.org/page?q=1#frag", seconds: s, rating, tags: tag, language,
      ...extra,
    }));
  }
console.log(JSON.stringify(statements));
"""


@pytest.fixture(scope="module")
def profiles() -> dict:
    return {p.id: p for p in shipped()}


@pytest.fixture(scope="module")
def extension_statements() -> list[dict]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = BUILD_GRID % json.dumps(STATEMENT_JS.as_uri())
    out = subprocess.run([node, "--input-type=module", "-e", script], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


NOTE = """# {day}

## Read the xAPI spec (45 min)
Statements, #xapi and #lrs.

## Pairing with Sam (1 h 30 min)
We fixed the parser. #pairing

## A thought
Nothing more to it.
"""


@pytest.fixture(scope="module")
def journal_statements(tmp_path_factory) -> tuple[list[dict], list[dict]]:
    """(entry statements, voiding statements) for notes read in both ways, for two kinds of actor."""
    folder = tmp_path_factory.mktemp("notes")
    for day in range(1, 21):
        (folder / f"2026-03-{day:02d}.md").write_text(NOTE.format(day=f"2026-03-{day:02d}"), encoding="utf-8")
    (folder / "ideas.md").write_text("No heading here, #ideas only.\n", encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "reading list.md").write_text("# Reading list\n\n- a book (2 h)\n", encoding="utf-8")
    configs = [JournalConfig(name="Ada", email="ada@example.org"),
               JournalConfig(account_homepage="https://lrs.example.org", account_name="ada"),
               JournalConfig(email="ada@example.org", iri_base="https://ada.example.org/journal/")]
    entries, voids = [], []
    for config, per in itertools.product(configs, ("heading", "file")):
        found, _ = folder_entries(folder, iri_base(config), per=per)
        for entry in found:
            statement = entry_statement(entry, config)
            entries.append(statement)
            voids.append(voiding_statement(config, statement["id"]))
    return entries, voids


@pytest.fixture(scope="module")
def chat_statements() -> list[dict]:
    config = Config()
    texts = ["the #xapi spec has StatementRefs", "a long message " * 30, "no tags here", "#one #two #three",
             "(no text)"]
    statements = []
    for platform, username, text, channel in itertools.product(
            ("Slack", "Mattermost"), ("ada", "sam.o"), texts, ("general", "learning")):
        url = f"https://{platform.lower()}.example/channels/{channel}"
        statements.append(chat_statement(config, username, platform=platform, verb=LEARNED, text=text,
                                         channel_name=channel, channel_url=url))
        statements.append(chat_statement(config, username, platform=platform, verb=SAVED, text=text,
                                         channel_name=channel, channel_url=url, message_url=f"{url}/p{len(text)}",
                                         quote=text))
    return statements


def _check(statements, profiles, mine, lookup=None) -> int:
    for statement in statements:
        validate_statement(json.loads(json.dumps(statement)), version="2.0.0")  # valid xAPI first
        result = validates(statement, profiles[mine].templates, lookup=lookup)
        assert result.outcome == "success", (statement, [f.message() for f in result.failures])
        for other in set(profiles) - {mine}:
            assert validates(statement, profiles[other].templates).outcome == "unmatched"
    return len(statements)


def test_browser_extension_statements_follow_the_browser_capture_profile(extension_statements, profiles):
    assert _check(extension_statements, profiles, BROWSER) == 2 * 5 * 4 * 5 * 2 * 2 == 800
    templates = {validates(s, profiles[BROWSER].templates).templates[0] for s in extension_statements}
    assert len(templates) == 5  # every template of the profile is used


def test_journal_statements_follow_the_journal_profile(journal_statements, profiles):
    entries, voids = journal_statements
    by_id = {s["id"]: s for s in entries}
    # per heading: 20 notes × 3 headings + 2 whole files; per file: 22 files; for each of 3 actors
    assert _check(entries, profiles, JOURNAL) == 3 * (20 * 3 + 2 + 22) == 252
    # a voiding statement follows the voiding template only because it refers to a journal entry
    assert _check(voids, profiles, JOURNAL, lookup=by_id.get) == 252
    stray = dict(voids[0], object={"objectType": "StatementRef", "id": "8f7e3b3c-5a7c-4c55-9a43-8d1f1b6c2e7a"})
    chat_like = {"id": "8f7e3b3c-5a7c-4c55-9a43-8d1f1b6c2e7a", "actor": entries[0]["actor"],
                 "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                 "object": {"id": "https://example.org/page", "definition": {"type": "http://example.org/other"}}}
    result = validates(stray, profiles[JOURNAL].templates, lookup={chat_like["id"]: chat_like}.get)
    assert result.outcome == "invalid" and "matches none of" in result.failures[0].reason


def test_chat_statements_follow_the_chat_profile(chat_statements, profiles):
    assert _check(chat_statements, profiles, CHAT) == 2 * 2 * 5 * 2 * 2 == 80


def test_the_profiles_refuse_what_their_connector_would_never_send(extension_statements, journal_statements,
                                                                   chat_statements, profiles):
    """Each profile constrains its connector's statements: a changed statement fails a named rule."""
    capture = json.loads(json.dumps(extension_statements[0]))
    capture["context"]["platform"] = "another extension"
    capture["result"] = {"score": {"raw": 9, "min": 1, "max": 5}, "success": True}
    failures = validates(capture, profiles[BROWSER].templates).failures
    assert {f.rule.location.text for f in failures} == {
        "$.context.platform", "$.result.score", "$.result.success | $.result.completion"}
    entry = json.loads(json.dumps(journal_statements[0][0]))
    entry["context"]["contextActivities"] = {"parent": [{"id": "https://example.org/course"}]}
    assert [f.rule.location.text for f in validates(entry, profiles[JOURNAL].templates).failures] == [
        "$.context.contextActivities"]
    chat = json.loads(json.dumps(chat_statements[1]))
    chat["actor"] = {"objectType": "Agent", "mbox": "mailto:ada@example.org"}
    chat["context"]["contextActivities"]["parent"][0]["definition"].pop("name")
    assert sorted(f.rule.location.text for f in validates(chat, profiles[CHAT].templates).failures) == [
        "$.actor.account", "$.actor.mbox | $.actor.mbox_sha1sum | $.actor.openid",
        "$.context.contextActivities.parent[*]"]
