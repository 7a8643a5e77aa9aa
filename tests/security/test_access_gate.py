"""One access gate (lrs/access.py): every read or change of a person's statements, attachments or
documents goes through a Reach that only the gate makes, and no module decides ownership itself.

A new view, export, plugin or command that forgets the gate fails here (or with a TypeError at
its first call), not in an attacker's hands.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from lrs.store.base import Store
from lrs.store.mongo import MongoStore
from lrs.store.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parents[2]
GATE = ROOT / "lrs" / "access.py"
#: store methods that read or change a person's statements, attachments or documents
GATED = ("get_statement", "query_statements", "count_statements", "reachable_ids", "get_attachments", "get_document",
         "document_ids", "change_document", "delete_documents", "agent_documents", "sync_record_rows",
         "forget_record_rows", "annotated_record_rows", "query_record_rows", "count_record_rows", "sum_record_rows",
         "record_row_values")
#: the idioms each view once used to decide ownership by hand; the gate replaced them all
RETIRED = ("belongs", "owner_keys", "require_own_actor", "require_own_agent", "person_keys", "reads_only_own",
           "records_of")


def modules():
    for top in ("lrs", "plugins", "connectors"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if ".venv" not in path.parts and "node_modules" not in path.parts:
                yield path


def calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call):
            yield node


def name_of(func) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def test_only_the_gate_makes_a_reach():
    makers = [f"{path.relative_to(ROOT)}:{call.lineno}" for path in modules() if path != GATE
              for call in calls(path) if name_of(call.func) == "Reach"]
    assert makers == [], "a Reach is made only by lrs.access.Access"


def test_every_gated_store_call_passes_a_reach():
    missing = [f"{path.relative_to(ROOT)}:{call.lineno} {name_of(call.func)}" for path in modules()
               for call in calls(path)
               if isinstance(call.func, ast.Attribute) and call.func.attr in GATED
               and not any(k.arg == "reach" for k in call.keywords)]
    assert missing == []


def test_no_module_decides_ownership_by_hand():
    found = []
    for path in modules():
        if path == GATE:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            named = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else \
                node.name if isinstance(node, (ast.FunctionDef, ast.alias)) else None
            if named in RETIRED:
                found.append(f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')} {named}")
            if isinstance(node, ast.keyword) and node.arg == "owners":
                found.append(f"{path.relative_to(ROOT)}:{node.value.lineno} owners=")
            if isinstance(node, ast.Compare) and any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops) and any(
                    isinstance(side, ast.Attribute) and side.attr == "person_id"
                    for side in [node.left, *node.comparators]) and "lrs/store/" not in str(path):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} person_id compared (whose is it? ask the gate)")
    # the domain says whom a statement belongs to from its own actor (indexing), the stores index that
    allowed = {"lrs/xapi/statements.py", "lrs/ingest.py"}
    assert [f for f in found if f.split(":")[0] not in allowed] == []


@pytest.mark.parametrize("store", [Store, SQLiteStore, MongoStore], ids=lambda s: s.__name__)
@pytest.mark.parametrize("method", GATED)
def test_reach_is_a_required_keyword_of_every_gated_store_method(store, method):
    parameter = inspect.signature(getattr(store, method)).parameters.get("reach")
    assert parameter is not None and parameter.kind is inspect.Parameter.KEYWORD_ONLY
    assert parameter.default is inspect.Parameter.empty


def test_a_forgotten_reach_is_a_type_error(tmp_path):
    store = SQLiteStore(tmp_path / "s.sqlite3")
    store.initialise()
    with pytest.raises(TypeError):
        store.get_statement("00000000-0000-0000-0000-000000000000")


def test_hidden_records_are_seen_by_their_person_and_the_operator_never_by_a_share(tmp_path):
    """Access.sees_hidden_records: a person hides a record from their views and every share; it stays
    theirs to find and show again."""
    from lrs.access import Access
    from lrs.store.base import Item

    store = SQLiteStore(tmp_path / "s.sqlite3")
    store.initialise()
    ann, bob = store.add_person("ann", "h"), store.add_person("bob", "h")
    share = Item("share", "s", ann.id, {"scope": {"all": True}}, ref=f"person:{bob.id}")
    assert Access.for_person(store, ann).sees_hidden_records()
    assert Access.operator().sees_hidden_records()
    assert not Access.for_share(store, share, bob).sees_hidden_records()
