"""Copying everything one store keeps into another (``lrs migrate``), resumably and verifiably.

Records travel as :meth:`lrs.store.base.Store.dump` gives them. Statements keep their
sequence numbers, so a copy that stopped resumes after the last one the target holds,
and paging cursors and ``stored`` order mean the same on both sides. Verification
counts every kind on both sides and compares one checksum of the statements computed
by :func:`statements_digest` from canonical JSON: the same function on either backend.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from typing import Callable, Iterable

import orjson

from lrs.errors import LRSError
from lrs.store.base import RECORD_KINDS, Store


class MigrationError(LRSError):
    """The target is not empty and not a partial copy of the source, or the copy differs."""


def canonical_json(text: str) -> bytes:
    """A statement's JSON with sorted keys and no spaces: equal for equal statements on any backend."""
    value = json.loads(text)
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # an integer beyond 64 bits
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def statements_digest(store: Store) -> tuple[int, str]:
    """(count, SHA-256) over every statement in sequence order: canonical JSON and voided flag."""
    digest = hashlib.sha256()
    count = 0
    for record in store.dump("statements"):
        digest.update(canonical_json(record["json"]))
        digest.update(b"\x01" if record["voided"] else b"\x00")
        count += 1
    return count, digest.hexdigest()


@dataclass
class Verification:
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)   # kind: (source, target)
    digests: tuple[str, str] = ("", "")                                # statements: (source, target)

    @property
    def ok(self) -> bool:
        return all(a == b for a, b in self.counts.values()) and self.digests[0] == self.digests[1]


def verify(source: Store, target: Store) -> Verification:
    result = Verification()
    for kind in RECORD_KINDS:
        if kind == "statements":
            (n_source, d_source), (n_target, d_target) = statements_digest(source), statements_digest(target)
            result.counts[kind] = (n_source, n_target)
            result.digests = (d_source, d_target)
        else:
            result.counts[kind] = (sum(1 for _ in source.dump(kind)), sum(1 for _ in target.dump(kind)))
    return result


def _batches(records: Iterable[dict], size: int):
    iterator = iter(records)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def resume_point(source: Store, target: Store) -> int:
    """The sequence number after which to continue: the target's last, which must be the source's too."""
    last = target.last_seq()
    if last == 0:
        return 0
    mine = next(target.dump("statements", after=last - 1), None)
    theirs = next(source.dump("statements", after=last - 1), None)
    if mine is None or theirs is None or theirs["seq"] != last or theirs["id"] != mine["id"]:
        raise MigrationError(f"the target holds statements (up to sequence {last}) that are not a copy of the "
                             "source's; migrate into an empty store")
    return last


def migrate(source: Store, target: Store, *, batch_size: int = 1000,
            progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Copy every record from ``source`` to ``target``; return (statements skipped as copied already,
    statements copied). ``progress(n)`` is told of each batch of statements written."""
    after = resume_point(source, target)
    for kind in RECORD_KINDS[:-1]:  # small kinds: loaded again on a resume, present ones are kept
        for batch in _batches(source.dump(kind), batch_size):
            target.load(kind, batch)
    skipped = target.statement_count() if after else 0
    if progress and skipped:
        progress(skipped)
    copied = 0
    for batch in _batches(source.dump("statements", after=after), batch_size):
        target.load("statements", batch)
        copied += len(batch)
        if progress:
            progress(len(batch))
    return skipped, copied
