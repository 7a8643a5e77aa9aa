"""Import from files of other LRSs and into a person's space: ids kept, duplicates skipped,
problems reported without stopping, foreign actors refused or mapped."""

from __future__ import annotations

import io
import json
import uuid

import orjson

from lrs_cpd import importers
from lrs_cpd.importing import IMPORTED_ACTOR, choose_importer, operator_target, person_target, run_import
from tests.conftest import statement
from tests.plugins.cpd.conftest import record
from tests.conftest import EVERYTHING


def _import(ctx, data: bytes, target):
    importer = choose_importer(importers(ctx.pm), None, data[:4096])
    return run_import(ctx, importer.read(io.BytesIO(data)), target)


def test_json_array_from_another_lrs_keeps_ids_and_skips_duplicates(ctx):
    statements = [statement(id=str(uuid.uuid4())) for _ in range(30)]
    data = json.dumps(statements).encode()
    report = _import(ctx, data, operator_target(ctx.store, ctx.config, None))
    assert (report.statements, report.stored, report.duplicates, report.problem_count) == (30, 30, 0, 0)
    assert all(ctx.store.get_statement(s["id"], reach=EVERYTHING) for s in statements)
    again = _import(ctx, data, operator_target(ctx.store, ctx.config, None))
    assert (again.stored, again.duplicates) == (0, 30)
    assert ctx.store.statement_count() == 30


def test_json_lines_with_bad_lines_are_reported_and_the_rest_stored(ctx):
    good = [statement(id=str(uuid.uuid4())) for _ in range(5)]
    lines = [json.dumps(good[0]), "{not json", json.dumps(good[1]),
             json.dumps({"statement": good[2], "lrs": {"_id": "x"}}),  # a Learning Locker export row
             json.dumps(statement(verb={"id": "not an iri"})), "", json.dumps(good[3]), json.dumps(good[4])]
    report = _import(ctx, "\n".join(lines).encode(), operator_target(ctx.store, ctx.config, None))
    assert (report.stored, report.problem_count) == (5, 2)
    assert [p.position for p in report.problems] == ["line 2", "line 5"]
    assert "verb" in report.problems[1].message


def test_a_different_statement_with_a_stored_id_is_a_problem_not_an_overwrite(ctx):
    first = statement(id=str(uuid.uuid4()))
    _import(ctx, json.dumps([first]).encode(), operator_target(ctx.store, ctx.config, None))
    changed = {**first, "verb": {"id": "http://example.org/verbs/other"}}
    report = _import(ctx, json.dumps([changed, statement()]).encode(), operator_target(ctx.store, ctx.config, None))
    assert (report.stored, report.problem_count) == (1, 1)
    assert "already stored" in report.problems[0].message


def test_a_persons_import_refuses_foreign_actors_unless_mapped(ctx, ann):
    mine = record(ctx, ann, 1)
    foreign = statement(id=str(uuid.uuid4()), actor={"mbox": "mailto:ann@employer.example", "name": "Ann at work"})
    data = json.dumps([mine, foreign]).encode()
    target = person_target(ctx.store, ctx.config, ann)
    report = _import(ctx, data, target)
    assert (report.stored, report.problem_count) == (1, 1)
    assert "not one of your identities" in report.problems[0].message

    report = _import(ctx, data, person_target(ctx.store, ctx.config, ann, map_actor=True))
    assert (report.stored, report.duplicates) == (1, 1)
    stored = orjson.loads(ctx.store.get_statement(foreign["id"], reach=EVERYTHING).json)
    assert stored["actor"]["account"]["name"] == "ann"
    assert stored["context"]["extensions"][IMPORTED_ACTOR]["mbox"] == "mailto:ann@employer.example"
    # the person asserted it, not the tool it came from (xAPI-Data.md §2.4.9)
    assert stored["authority"]["member"][1]["account"]["name"] == "ann"


def test_the_operator_restore_keeps_authority_a_person_import_does_not(ctx, ann):
    original = record(ctx, ann, 1, authority={"objectType": "Agent", "name": "Hospital LMS",
                                              "account": {"homePage": "https://lms.example", "name": "lms"}})
    report = _import(ctx, json.dumps([original]).encode(), operator_target(ctx.store, ctx.config, "ann"))
    assert report.stored == 1
    assert orjson.loads(ctx.store.get_statement(original["id"], reach=EVERYTHING).json)["authority"]["name"] == "Hospital LMS"
    other = record(ctx, ann, 2, authority=original["authority"])
    _import(ctx, json.dumps([other]).encode(), person_target(ctx.store, ctx.config, ann))
    assert orjson.loads(ctx.store.get_statement(other["id"], reach=EVERYTHING).json)["authority"]["objectType"] == "Group"
