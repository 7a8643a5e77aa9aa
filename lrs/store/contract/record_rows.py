"""Record rows: for each record of a person (a statement in their timeline), a small row derived
from it by whoever reads the records (the space: its classification and the person's annotation)
that the store filters, pages, counts and sums, so a person's whole record is not read in Python
for every filtered page, facet list or chart.

The rows are the person's data: erasure removes them with the statements they came from. They are
filled lazily (:meth:`RecordRowStore.sync_record_rows`, when their reader asks), never on the xAPI
write path; the store only keeps and filters what it is given.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Callable

from lrs.access import Reach
from lrs.store.contract.statements import StoredStatement


@dataclass
class RecordRow:
    """What a reader derived from one record. ``position`` is the statement's place in timestamp
    order (:func:`lrs.xapi.query.timeline_position`), as :meth:`StatementStore.query_statements` gave it."""

    statement_id: str
    position: str
    day: str = ""            # YYYY-MM-DD: the day the record is dated
    way: str = ""
    verb: str = ""           # the verb IRI
    verb_label: str = ""
    type: str = ""           # a readable activity type
    source: str = ""
    tags: list[str] = field(default_factory=list)
    minutes: int = 0         # the record's minutes (0 when unknown)
    timed: bool = False      # whether its time is known
    hidden: bool = False
    text: str = ""           # lower-case text a search looks in
    annotated: str = ""      # the version of the annotation applied ('' when none)


@dataclass(frozen=True)
class RecordFilter:
    """Which rows: each field set must match (``words``: each is in ``text``); ``since``/``until``
    are days, inclusive; ``hidden`` chooses the hidden rows or the others."""

    hidden: bool = False
    source: str = ""
    verb: str = ""
    type: str = ""
    tag: str = ""
    way: str = ""
    since: str = ""
    until: str = ""
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordSum:
    """Rows of one month (YYYY-MM) and way: how many, their minutes, how many with a known time."""

    month: str
    way: str
    count: int
    minutes: int
    timed: int


@dataclass
class RecordValues:
    """The values the rows that are not hidden hold: each verb with the label of its newest record."""

    sources: set[str]
    verbs: dict[str, str]
    types: set[str]
    tags: set[str]


def reach_mark(reach: Reach) -> str:
    """Which reach a person's rows were made within: they are read only within the same one."""
    if reach.owners is None:
        raise ValueError("record rows are one person's: a reach narrowed to owners")
    return "\n".join(sorted(reach.owners)) + "|" + (reach.authority_key or "")


#: makes the rows of some stored statements (each with its ``position``); may leave some out
MakeRows = Callable[[list[StoredStatement]], list[RecordRow]]


class RecordRowStore(abc.ABC):
    """Record rows, one per person and record, within the person's reach (narrowed to owners)."""

    @abc.abstractmethod
    def sync_record_rows(self, person_id: int, make_rows: MakeRows, *, reach: Reach) -> int:
        """Bring the person's rows up to date with their records within ``reach``: rows of records no
        longer there (voided, erased) go, and records without a row are read, a batch at a time,
        and given to ``make_rows``. Cheap when nothing changed. Returns how many rows were made."""

    @abc.abstractmethod
    def forget_record_rows(self, person_id: int, statement_ids: list[str], *, reach: Reach) -> int:
        """Delete these records' rows (their annotation changed): the next sync makes them again."""

    @abc.abstractmethod
    def annotated_record_rows(self, person_id: int, *, reach: Reach) -> dict[str, str]:
        """The ``annotated`` version of each row that has one, by statement id."""

    @abc.abstractmethod
    def query_record_rows(self, person_id: int, where: RecordFilter, limit: int, *, reach: Reach,
                          position: str | None = None, ascending: bool = False) -> list[RecordRow]:
        """Matching rows in timestamp order (newest first unless ascending), past ``position``."""

    @abc.abstractmethod
    def count_record_rows(self, person_id: int, where: RecordFilter, *, reach: Reach) -> int: ...

    @abc.abstractmethod
    def sum_record_rows(self, person_id: int, where: RecordFilter, *, reach: Reach) -> list[RecordSum]:
        """Matching rows by month and way, in month then way order."""

    @abc.abstractmethod
    def record_row_values(self, person_id: int, *, reach: Reach) -> RecordValues: ...
