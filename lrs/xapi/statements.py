"""What the LRS adds to a statement it accepts, and when two statements are the same.

xAPI-Data.md §2.4.1: the LRS sets ``id`` when absent, ``stored``, ``authority``
and ``version``; §2.3.3: a re-sent statement with the same id must match.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import uuid
from dataclasses import dataclass, field

from lrs.errors import BadRequest
from lrs.xapi.activities import activities_in
from lrs.xapi.datatypes import comparable_duration
from lrs.xapi.indexing import VOIDED_VERB, index_keys, statement_ref_target, voided_target
from lrs.xapi.query import index_time

LRS_SET = ("stored", "authority", "version", "id")


def stored_text(moment: dt.datetime) -> str:
    """The ``stored`` property: UTC with millisecond precision."""
    moment = moment.astimezone(dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class PreparedStatement:
    """A validated statement ready for a store, with what the store indexes."""

    id: str
    statement: dict
    keys: set[str]
    authority_key: str | None
    ref_target: str | None = None
    voids: str | None = None
    fill_timestamp: bool = False
    #: activities whose definitions this statement may set (credential with the define scope)
    definitions: list[dict] = field(default_factory=list)
    #: the SHA-2 of each attachment body this statement brought in its own request: only
    #: through it (or another statement that brought it) is the body ever served
    carries: list[str] = field(default_factory=list)
    stored: str = field(default="")  # index_time() form, set by stamp()

    def stamp(self, moment: dt.datetime) -> None:
        """Set ``stored`` (and ``timestamp`` where the version requires it) at commit time."""
        text, self.stored = _stamps(moment)
        self.statement["stored"] = text
        if self.fill_timestamp and "timestamp" not in self.statement:
            self.statement["timestamp"] = text


@functools.lru_cache(maxsize=4)
def _stamps(moment: dt.datetime) -> tuple[str, str]:
    """``stored`` as shown and as indexed, made once for the statements of a batch (they share a moment)."""
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)  # as precise as shown
    return stored_text(moment), index_time(moment)


def prepare(statement: dict, *, authority: dict, authority_key: str | None, version: str,
            owners: tuple[str, ...] | None, statement_id: str | None = None,
            define: bool = False) -> PreparedStatement:
    """Complete a validated statement with what the LRS sets, and derive its index keys.

    ``owners``: whom it belongs to when a person wrote it (from the access gate), None for a tool.
    """
    if statement_id is not None:
        sent = statement.get("id")
        if sent is not None and sent.lower() != statement_id.lower():
            raise BadRequest("the statement's id differs from the statementId parameter", location="statementId")
        statement["id"] = statement_id
    statement_id = statement.get("id") or str(uuid.uuid4())
    statement["id"] = statement_id
    statement["authority"] = authority
    statement.pop("stored", None)
    normalise_context_activities(statement)
    if "version" not in statement:
        statement["version"] = "2.0.0" if version.startswith("2.") else "1.0.0"
    voids = voided_target(statement)
    if statement["verb"]["id"] == VOIDED_VERB and voids is None:
        raise BadRequest("a voiding statement's object must be a StatementRef", location="statement.object")
    return PreparedStatement(
        id=statement_id.lower(),
        statement=statement,
        keys=index_keys(statement, owners),
        authority_key=authority_key,
        ref_target=statement_ref_target(statement),
        voids=voids,
        fill_timestamp=True,
        definitions=activities_in(statement) if define else [],
    )


def normalise_context_activities(statement: dict) -> None:
    """A single context activity is stored as an array of one (xAPI-Data.md §2.4.6.2)."""
    for part in (statement, statement.get("object") or {}):
        groups = (part.get("context") or {}).get("contextActivities") or {}
        for key, value in groups.items():
            if isinstance(value, dict):
                groups[key] = [value]


def comparable(statement: dict, ignore=LRS_SET) -> dict:
    """A statement as two are compared: without what the LRS sets, durations to 0.01 s."""
    out = {k: v for k, v in statement.items() if k not in ignore}
    for part in (out, out.get("object") if isinstance(out.get("object"), dict) else {}):
        result = part.get("result")
        if isinstance(result, dict) and "duration" in result:
            part["result"] = {**result, "duration": comparable_duration(result["duration"])}
    return out


def same_statement(sent: dict, stored: dict) -> bool:
    """Whether a re-sent statement matches the stored one (ignoring what the LRS set,
    including a ``timestamp`` the LRS filled in because none was sent)."""
    sent = copy.deepcopy(sent)
    normalise_context_activities(sent)
    a, b = comparable(sent), comparable(stored)
    if "timestamp" not in a and b.get("timestamp") == stored.get("stored"):
        b.pop("timestamp", None)
    return a == b
