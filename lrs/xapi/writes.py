"""What storing a batch of statements does, decided once for every store.

A statement re-sent with an id already stored is skipped when it is the same statement
(xAPI-Data.md §2.3.1, "Statement Comparison Requirements") and is a conflict when it is not;
a voiding statement voids its target unless that is a voiding statement, and a statement
arriving after its voiding statement is stored voided (§2.3.2); a statement targeting another
by StatementRef is found by its target's filter keys too (xAPI-Communication.md §2.1.3; never
by its ownership keys, :func:`lrs.xapi.indexing.inherited`), whichever of the two arrives first.

A store looks up what it holds (:class:`Found`), asks :func:`plan_writes`, and persists
the :class:`WritePlan` in one transaction. Statements are taken in batch order, so a
batch stores exactly what sending its statements one at a time would have stored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from lrs.errors import Conflict
from lrs.xapi.indexing import inherited
from lrs.xapi.statements import PreparedStatement, same_statement


@dataclass
class Found:
    """What the store holds that the batch's rules depend on, looked up before deciding."""

    #: JSON text of each statement stored already under one of the batch's ids
    statements: Mapping[str, str] = field(default_factory=dict)
    #: for each of the batch's ids targeted by a stored voiding statement: that statement's id
    voided_by: Mapping[str, str] = field(default_factory=dict)
    #: for each of the batch's ids: the stored statements that target it by StatementRef
    referrers: Mapping[str, list[str]] = field(default_factory=dict)
    #: for each StatementRef target of the batch that is stored: its index keys (its inherited
    #: ones included); a target missing here is not stored
    targets: Mapping[str, list[str]] = field(default_factory=dict)


@dataclass
class Write:
    """One statement to store, as the rules leave it."""

    prepared: PreparedStatement
    #: its own index keys, then those it inherits from its target
    keys: list[str]
    #: a voiding statement that targets it (stored before or in this batch), or None
    voided_by: str | None = None
    #: its StatementRef target is stored neither before nor in this batch: it inherits when that arrives
    awaits_target: bool = False

    @property
    def id(self) -> str:
        return self.prepared.id

    @property
    def voided(self) -> bool:
        """A voiding statement is never voided (xAPI-Data.md §2.3.2)."""
        return self.prepared.voids is None and self.voided_by is not None


@dataclass
class WritePlan:
    """What a store persists for a batch."""

    #: the statements to store, in batch order (re-sent ones left out)
    writes: list[Write]
    #: statements stored before this batch that it voids: target id → the voiding statement's id
    voids: dict[str, str]
    #: statements stored before this batch that target one of ``writes``: the keys each inherits now
    inherits: dict[str, list[str]]


def _merged(keys: list[str], more: list[str]) -> list[str]:
    return list(dict.fromkeys(keys + more))


def plan_writes(batch: list[PreparedStatement], found: Found) -> WritePlan:
    """Decide what storing ``batch`` does; Conflict when a statement would change one stored (or
    one earlier in the batch). Nothing is stamped or written."""
    first: dict[str, PreparedStatement] = {}
    new: list[PreparedStatement] = []
    for prepared in batch:
        stored = found.statements.get(prepared.id)
        earlier = first.get(prepared.id)
        if stored is not None or earlier is not None:
            if same_statement(prepared.statement, json.loads(stored) if stored is not None else earlier.statement):
                continue
            raise Conflict(f"a different statement with id {prepared.id} is already stored; statements cannot change",
                           location="statement.id")
        first[prepared.id] = prepared
        new.append(prepared)

    writes: dict[str, Write] = {}
    voids: dict[str, str] = {}
    gained: dict[str, list[str]] = {}  # stored statements: the keys they inherit from this batch
    waiting: dict[str, list[str]] = {}  # a target later in the batch: the statements targeting it
    voided_later: dict[str, str] = {}  # a target later in the batch: the statement voiding it
    for prepared in new:
        keys = list(prepared.keys)
        target = prepared.ref_target
        if target in writes:
            keys = _merged(keys, inherited(writes[target].keys))
        elif target is not None and target not in first:
            keys = _merged(keys, inherited(found.targets.get(target, [])) + gained.get(target, []))
        writes[prepared.id] = Write(
            prepared, keys, voided_by=voided_later.pop(prepared.id, None) or found.voided_by.get(prepared.id),
            awaits_target=target is not None and target not in first and target not in found.targets)
        passed_on = inherited(keys)
        for referrer in found.referrers.get(prepared.id, ()):
            if referrer not in first:  # one in the batch inherits as the batch is taken in order
                gained[referrer] = _merged(gained.get(referrer, []), passed_on)
        for referrer in waiting.pop(prepared.id, ()):
            writes[referrer].keys = _merged(writes[referrer].keys, passed_on)
        if target in first and target not in writes:
            waiting.setdefault(target, []).append(prepared.id)
        if prepared.voids in writes:
            writes[prepared.voids].voided_by = prepared.id
        elif prepared.voids in first:
            voided_later[prepared.voids] = prepared.id
        elif prepared.voids is not None:
            voids[prepared.voids] = prepared.id
    return WritePlan(list(writes.values()), voids, gained)
