"""The storage contract is in parts (lrs.store.contract): every backend implements each part in a
module of its own, and each part has contract tests of its own that run on every backend."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from lrs.store.base import Store
from lrs.store.contract import (
    PARTS,
    CopyingStore,
    CredentialStore,
    DocumentStore,
    ErasureStore,
    ItemStore,
    PeopleStore,
    RecordRowStore,
    StatementStore,
)
from lrs.store.mongo import MongoStore
from lrs.store.sqlite import SQLiteStore
from tests.store.conftest import BACKENDS

#: each part: the module that implements it in every backend package, and its contract test modules
PARTS_AT = {
    StatementStore: ("statements", ["test_contract_statements", "test_contract_queries", "test_contract_records"]),
    DocumentStore: ("documents", ["test_contract_documents"]),
    PeopleStore: ("people", ["test_contract_people"]),
    ItemStore: ("items", ["test_contract_items"]),
    CredentialStore: ("credentials", ["test_contract_credentials"]),
    RecordRowStore: ("record_rows", ["test_contract_record_rows"]),
    ErasureStore: ("erasure", ["test_contract_erasure"]),
    CopyingStore: ("copying", ["test_contract_copying"]),
}
LIFECYCLE = {"initialise", "close", "ping", "check"}


def test_the_store_is_the_parts_and_its_lifecycle():
    assert set(PARTS) == set(PARTS_AT)
    methods = [name for part in PARTS for name in part.__abstractmethods__]
    assert len(methods) == len(set(methods)), "a method belongs to one part"
    assert set(Store.__abstractmethods__) == set(methods) | LIFECYCLE


@pytest.mark.parametrize("store", [SQLiteStore, MongoStore], ids=lambda s: s.__name__)
@pytest.mark.parametrize("part", PARTS, ids=lambda p: p.__name__)
def test_each_backend_implements_each_part_whole_in_a_module_of_its_own(store, part):
    (implementer,) = [c for c in store.__mro__ if part in c.__bases__ and c is not Store]
    assert implementer.__module__ == f"{store.__module__}.{PARTS_AT[part][0]}"
    assert not implementer.__abstractmethods__, f"{implementer.__name__} leaves part of {part.__name__} to others"


@pytest.mark.parametrize("part", PARTS, ids=lambda p: p.__name__)
def test_each_part_has_contract_tests_run_on_every_backend(part):
    assert {"sqlite", "mongomock"} <= set(BACKENDS)  # the backend fixture's parameters
    for module in PARTS_AT[part][1]:
        tree = ast.parse((Path(__file__).parent / f"{module}.py").read_text())
        on_every_backend = [f.name for f in tree.body if isinstance(f, ast.FunctionDef) and f.name.startswith("test_")
                            and f.args.args and f.args.args[0].arg == "backend"]
        assert on_every_backend, f"{module} runs no test on every backend"
