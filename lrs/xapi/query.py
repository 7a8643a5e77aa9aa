"""Statement query semantics (xAPI-Communication.md §2.1.3), free of HTTP and storage.

:func:`parse_statement_query` turns the query parameters of GET /statements into
a :class:`StatementQuery` or raises BadRequest naming the parameter at fault.
Stores answer a StatementQuery; the ``more`` cursor round-trips it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from dataclasses import dataclass, replace

from lrs.errors import BadRequest
from lrs.xapi.agents import agent_key
from lrs.xapi.jsontext import parse_json
from lrs.xapi.validation import is_iri, parse_timestamp, validate_agent, validate_uuid

FORMATS = ("exact", "ids", "canonical")
FILTER_PARAMS = (
    "agent", "verb", "activity", "registration", "related_activities", "related_agents",
    "since", "until", "limit", "format", "attachments", "ascending",
)
SINGLE_PARAMS = ("statementId", "voidedStatementId")
ALL_PARAMS = FILTER_PARAMS + SINGLE_PARAMS + ("more",)


CURSOR_REFUSED = "the 'more' cursor is not one this LRS issued"

#: the type of each field a ``more`` cursor carries back (it comes from the client, so it is checked)
_CURSOR_TYPES = {
    **{name: (str, type(None)) for name in ("agent", "verb", "activity", "registration", "since", "until")},
    **{name: bool for name in ("related_agents", "related_activities", "ascending", "attachments")},
    "limit": int, "format": str, "after": int, "upto": int,
    **{name: (str, type(None)) for name in ("timestamp_from", "timestamp_before", "position")},
    "order": str,
}
#: the orders a store lists statements in: ``stored`` (xAPI: sequence order) and ``timestamp``
#: (when the learning happened: one person's records, the space's timeline)
ORDERS = ("stored", "timestamp")
#: integers a cursor may hold: what a store's sequence numbers are (SQLite's and BSON's 64 bits)
_CURSOR_INT = 2 ** 63 - 1


def index_time(moment: dt.datetime) -> str:
    """A UTC timestamp with microseconds: the sortable form stores compare ``stored`` in."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class StatementQuery:
    """One query of the Statements resource, as stores answer it.

    Whose statements it may find is not part of it: stores take the reader's
    :class:`lrs.access.Reach` beside it, on every page, so no cursor carries it.
    """

    agent: str | None = None           # agent key (lrs.xapi.agents.agent_key)
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_agents: bool = False
    related_activities: bool = False
    since: str | None = None           # index_time() form, exclusive
    until: str | None = None           # index_time() form, inclusive
    limit: int = 0                     # 0: the server's default
    ascending: bool = False
    format: str = "exact"
    attachments: bool = False
    #: paging: continue after this sequence number, and never past ``upto``
    after: int | None = None
    upto: int | None = None
    #: ``timestamp``: a person's learning records by when the learning happened (statement
    #: ``timestamp``, else ``stored``), newest first unless ascending. Only for a reach narrowed
    #: to owners; voided and voiding statements are not among them; ``since``/``until`` do not
    #: apply, ``timestamp_from`` (inclusive) and ``timestamp_before`` (exclusive) do
    order: str = "stored"
    timestamp_from: str | None = None      # index_time() form
    timestamp_before: str | None = None    # index_time() form
    #: paging in timestamp order: continue past this :func:`timeline_position` (not with ``after``)
    position: str | None = None

    def index_keys(self) -> list[str]:
        """The index keys a matching statement must all have."""
        keys = []
        if self.agent:
            keys.append(("ragent:" if self.related_agents else "agent:") + self.agent)
        if self.verb:
            keys.append("verb:" + self.verb)
        if self.activity:
            keys.append(("ractivity:" if self.related_activities else "activity:") + self.activity)
        if self.registration:
            keys.append("registration:" + self.registration)
        return keys

    def seq_window(self, upto: int, seq_at) -> tuple[int, int]:
        """The (exclusive, inclusive] range of sequence numbers this query can match.

        ``upto`` is the newest sequence visible to it; ``seq_at(stored)`` is the last
        sequence stored at or before a time. Every store pages the same way.
        """
        low, high = 0, upto
        if self.since:
            low = max(low, seq_at(self.since))
        if self.until:
            high = min(high, seq_at(self.until))
        if self.after is not None:
            if self.ascending:
                low = max(low, self.after)
            else:
                high = min(high, self.after - 1)
        return low, high

    def to_cursor(self, after: int | None, upto: int | None, position: str | None = None) -> str:
        # every field is a scalar: vars() is asdict() without its deep copy (a tenth of a page's CPU)
        data = {k: v for k, v in vars(replace(self, after=after, upto=upto, position=position)).items()
                if v not in (None, False, "") and not (k == "order" and v == "stored")}
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def from_cursor(cls, token: str) -> "StatementQuery":
        """The query a cursor of :meth:`to_cursor` continues; BadRequest for anything else.

        Every field is type-checked, as the cursor went through a client (the API also
        checks its tag: lrs.api.cursors); ``owners`` is never taken from a cursor."""
        try:
            raw = base64.urlsafe_b64decode(token.encode("ascii") + b"=" * (-len(token) % 4))
            data = json.loads(raw)
            if not isinstance(data, dict) or not data.keys() <= _CURSOR_TYPES.keys():
                raise ValueError("fields")
            query = cls(**data)
            for name, kind in _CURSOR_TYPES.items():
                value = getattr(query, name)
                if value is None and name in ("after", "upto") and query.order == "timestamp":
                    continue  # timestamp order pages by position
                if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                    raise ValueError(name)
                if isinstance(value, str):
                    value.encode("utf-8")  # a lone surrogate is no text: UnicodeEncodeError
                if isinstance(value, int) and not -_CURSOR_INT <= value <= _CURSOR_INT:
                    raise ValueError(name)
            if query.format not in FORMATS or query.limit < 0 or query.order not in ORDERS:
                raise ValueError("format")
            if query.position is not None:
                parse_position(query.position)
            return query
        except (ValueError, TypeError, UnicodeError, RecursionError, base64.binascii.Error):
            raise BadRequest(CURSOR_REFUSED, location="more") from None


def timeline_position(timestamp: str, seq: int) -> str:
    """Where a statement is in timestamp order (its time in index_time() form, then its sequence
    number): a page continues past it, so pages stay put while statements arrive."""
    return f"{timestamp}|{seq}"


_POSITION = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|(\d{1,18})")


def parse_position(text: str) -> tuple[str, int]:
    """The (time, sequence number) of a :func:`timeline_position`; ValueError for anything else
    (a position comes back from a browser)."""
    match = _POSITION.fullmatch(text or "")
    if match is None:
        raise ValueError(f"not a position in timestamp order: {text!r}")
    return match.group(1), int(match.group(2))


def parse_boolean(params: dict, name: str) -> bool:
    value = params.get(name)
    if value is None:
        return False
    if value not in ("true", "false"):
        raise BadRequest(f"must be true or false, not {value!r}", location=name)
    return value == "true"


def _iri(params: dict, name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if not is_iri(value):
        raise BadRequest(f"must be an IRI, not {value!r}", location=name)
    return value


def parse_agent_param(value: str, *, name: str = "agent", version: str = "1.0.3") -> dict:
    """The JSON Agent or identified Group of a query parameter."""
    try:
        agent = parse_json(value, location=name)
    except BadRequest:
        raise BadRequest("must be a JSON Agent or Group object", location=name) from None
    validate_agent(agent, version=version, location=name)
    if agent_key(agent) is None:
        raise BadRequest("must identify an Agent or Group by mbox, mbox_sha1sum, openid or account", location=name)
    return agent


def check_known(params: dict, allowed=ALL_PARAMS) -> None:
    for name in params:
        if name not in allowed:
            raise BadRequest(f"unknown query parameter {name!r}", location=name)


def parse_format(params: dict) -> str:
    value = params.get("format", "exact")
    if value not in FORMATS:
        raise BadRequest(f"must be one of {', '.join(FORMATS)}, not {value!r}", location="format")
    return value


def parse_statement_query(params: dict, *, version: str = "1.0.3", max_limit: int = 1000) -> StatementQuery:
    """The StatementQuery of GET /statements parameters (without statementId or more)."""
    check_known(params, FILTER_PARAMS)
    agent = None
    if "agent" in params:
        agent = agent_key(parse_agent_param(params["agent"], version=version))
    registration = params.get("registration")
    if registration is not None:
        validate_uuid(registration, location="registration")
        registration = registration.lower()
    since = params.get("since")
    until = params.get("until")
    since_ts = parse_timestamp(since, location="since", version=version) if since is not None else None
    until_ts = parse_timestamp(until, location="until", version=version) if until is not None else None
    limit = params.get("limit", "0")
    if not (limit.isascii() and limit.isdigit()):
        raise BadRequest(f"must be a non-negative integer, not {limit!r}", location="limit")
    limit = int(limit)
    if limit > max_limit:
        limit = max_limit
    return StatementQuery(
        agent=agent,
        verb=_iri(params, "verb"),
        activity=_iri(params, "activity"),
        registration=registration,
        related_agents=parse_boolean(params, "related_agents"),
        related_activities=parse_boolean(params, "related_activities"),
        since=index_time(since_ts) if since_ts else None,
        until=index_time(until_ts) if until_ts else None,
        limit=limit,
        ascending=parse_boolean(params, "ascending"),
        format=parse_format(params),
        attachments=parse_boolean(params, "attachments"),
    )
