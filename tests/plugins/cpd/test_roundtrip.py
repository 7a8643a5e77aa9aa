"""Round trip: a person's 5,000 statements with attachments and documents, exported as an xAPI
archive and imported into a fresh store, come back identical; importing twice adds nothing."""

from __future__ import annotations

import json
import time

import orjson
import pytest

from lrs.auth.personal import create_person, person_agent
from lrs.cli import cli
from lrs.xapi.agents import agent_key
from tests.conftest import SECRET_KEY, XAPIClient, add_credential
from tests.plugins.cpd.conftest import PASSWORD, attachment, make_app, put_documents, record, store_statements
from tests.conftest import EVERYTHING

COUNT = 5000


def _all_exact(app, agent) -> list[dict]:
    """Every statement of the agent through the Statements resource, format=exact, oldest first."""
    client = XAPIClient(app.test_client(), add_credential(app.extensions["lrs"].store, key="reader"))
    url = f"/xapi/statements?format=exact&ascending=true&limit=1000&agent={json.dumps(agent)}"
    out = []
    while url:
        page = client.get(url).json
        out += page["statements"]
        url = page["more"] or None
    return out


def _without_stored(statements):
    return [{k: v for k, v in s.items() if k != "stored"} for s in statements]


@pytest.fixture
def cli_env(monkeypatch):
    monkeypatch.setenv("LRS_SECRET_KEY", SECRET_KEY)
    monkeypatch.delenv("LRS_STORE", raising=False)
    monkeypatch.setenv("LRS_FORWARD_WORKER", "0")
    monkeypatch.setenv("LRS_LOAD_PLUGINS", "space,cpd")  # the commands `lrs export` and `lrs import` are CPD's

    def use(home):
        monkeypatch.setenv("LRS_HOME", str(home))

    return use


def test_xapi_archive_round_trip_of_5000_statements(tmp_path, cli_env):
    from click.testing import CliRunner

    source = make_app(tmp_path / "source")
    ctx = source.extensions["lrs"]
    ann = create_person(ctx.store, ctx.config, "ann", PASSWORD)
    statements, parts = [], {}
    for n in range(COUNT):
        statement = record(ctx, ann, n, day=f"20{24 + n % 3}-{1 + n % 12:02d}-{1 + n % 28:02d}",
                           minutes=None if n % 7 == 0 else 15 + n % 120)
        if n % 10 == 0:
            meta, part = attachment(b"%%PDF-1.4 certificate %d\x00\xff" % (n // 10 % 100), name=f"certificate {n // 10 % 100}")
            statement["attachments"] = [meta]
            parts[part.sha2] = part
        statements.append(statement)
    voided = [s["id"] for s in statements[:5]]
    statements += [record(ctx, ann, 0, verb={"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en": "voided"}},
                          object={"objectType": "StatementRef", "id": target}, result=None) for target in voided]
    for s in statements[-5:]:
        s.pop("result", None)
        s.pop("context", None)
    store_statements(ctx, ann, statements, parts)
    documents = put_documents(ctx, ann)

    runner = CliRunner()
    archive = tmp_path / "ann.json"
    cli_env(tmp_path / "source")
    started = time.monotonic()
    result = runner.invoke(cli, ["export", "--person", "ann", "--format", "xapi", "-o", str(archive)])
    export_seconds = time.monotonic() - started
    assert result.exit_code == 0, result.output
    written = orjson.loads(archive.read_bytes())
    assert len(written["statements"]) == COUNT + 5  # the voided five are in it too
    assert len(written["attachments"]) == 100 and len(written["documents"]) == len(documents)

    fresh = make_app(tmp_path / "fresh")
    fctx = fresh.extensions["lrs"]
    create_person(fctx.store, fctx.config, "ann", PASSWORD)
    cli_env(tmp_path / "fresh")
    started = time.monotonic()
    result = runner.invoke(cli, ["import", str(archive), "--person", "ann", "--json"])
    import_seconds = time.monotonic() - started
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["problems"][:1] == [], report["problems"][:3]
    assert (report["statements"], report["stored"], report["duplicates"], report["problem_count"]) == \
        (COUNT + 5, COUNT + 5, 0, 0)
    assert report["documents"] == len(documents)

    # statements: identical in format=exact but for `stored`, which each LRS sets itself (xAPI-Data.md §2.4.8)
    agent = person_agent(ctx.config, "ann")
    before, after = _all_exact(source, agent), _all_exact(fresh, agent)
    assert len(before) == COUNT  # 5,000 + 5 voiding − 5 voided
    assert _without_stored(after) == _without_stored(before)
    for statement_id in voided:
        assert orjson.loads(fctx.store.get_statement(statement_id, voided=True, reach=EVERYTHING).json) | {"stored": ""} == \
            orjson.loads(ctx.store.get_statement(statement_id, voided=True, reach=EVERYTHING).json) | {"stored": ""}
    # attachments: the same bodies under the same hashes
    carriers = [s["id"] for s in statements if s.get("attachments")]
    assert len(ctx.store.get_attachments(carriers, reach=EVERYTHING)) == len(parts)
    assert fctx.store.get_attachments(carriers, reach=EVERYTHING) == ctx.store.get_attachments(carriers, reach=EVERYTHING)
    # documents: the same content, type, ETag and time
    key = agent_key(agent)
    assert fctx.store.agent_documents(key, reach=EVERYTHING) == ctx.store.agent_documents(key, reach=EVERYTHING)
    for ref in documents:
        assert fctx.store.get_document(ref, reach=EVERYTHING) == ctx.store.get_document(ref, reach=EVERYTHING)

    # importing twice adds nothing
    count = fctx.store.statement_count()
    result = runner.invoke(cli, ["import", str(archive), "--person", "ann", "--json"])
    again = json.loads(result.output.strip().splitlines()[-1])
    assert (again["stored"], again["duplicates"], again["documents"], again["documents_same"]) == \
        (0, COUNT + 5, 0, len(documents))
    assert fctx.store.statement_count() == count == COUNT + 5
    print(f"\nround trip of {COUNT} statements: export {export_seconds:.1f} s ({archive.stat().st_size} bytes),"
          f" import {import_seconds:.1f} s, second import {again['seconds']:.1f} s")
