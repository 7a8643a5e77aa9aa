"""The benchmark's statements are valid xAPI and the same for the same seed."""

from __future__ import annotations

from bench.generator import StatementGenerator
from lrs.xapi.validation import validate_statement


def test_generated_statements_are_valid():
    for statement in StatementGenerator(seed=3).batch(300):
        validate_statement(statement)


def test_same_seed_same_statements():
    assert StatementGenerator(seed=5).batch(20) == StatementGenerator(seed=5).batch(20)
    assert StatementGenerator(seed=5).batch(20) != StatementGenerator(seed=6).batch(20)
