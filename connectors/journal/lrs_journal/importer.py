"""Import a folder of notes so that the LRS ends up holding exactly one live statement per entry.

Idempotent by construction: a statement's id is derived from its content, so an unchanged entry
is found in the LRS and not sent; an edited entry gets a new id, and the statement it replaces is
voided (https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#voided). The old statements
are found through the xAPI API, so nothing is kept on this computer between imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lrs_journal.client import LRSClient
from lrs_journal.config import Config
from lrs_journal.statements import VERB, VOIDED, Entry, actor, content_id, entry_statement, voiding_statement

BATCH = 100


@dataclass
class Plan:
    send: list[dict] = field(default_factory=list)
    void: list[dict] = field(default_factory=list)
    new: int = 0
    changed: int = 0
    unchanged: int = 0

    @property
    def requests(self) -> int:
        return len(self.send) + len(self.void)


def stored_state(client: LRSClient, config: Config, prefix: str) -> tuple[dict[str, str], set[str]]:
    """The live journal statements under ``prefix`` (id → entry IRI) and the ids the actor voided.
    Two listings (by actor and verb), whatever the number of notes. (The verb filter also finds
    the statements that void a matching one: they have a StatementRef, not an entry, as object.)"""
    who = actor(config)
    live = {
        s["id"]: s["object"]["id"]
        for s in client.statements(agent=who, verb=VERB["id"], format="ids", limit=1000)
        if s["object"].get("objectType", "Activity") == "Activity" and s["object"]["id"].startswith(prefix)
    }
    voided = {s["object"]["id"] for s in client.statements(agent=who, verb=VOIDED["id"], format="ids", limit=1000)}
    return live, voided


def plan_import(entries: list[Entry], files: set[str], config: Config, live: dict[str, str], voided: set[str]) -> Plan:
    """What to send and what to void so that each entry has exactly its current statement."""
    plan = Plan()
    live_iris = set(live.values())
    keep: set[str] = set()
    for entry in entries:
        statement = entry_statement(entry, config)
        revision = 0
        while statement["id"] in voided:  # this very content was stored once and voided since
            revision += 1
            statement["id"] = content_id(statement, revision)
        keep.add(statement["id"])
        if statement["id"] in live:
            plan.unchanged += 1
            continue
        plan.send.append(statement)
        if entry.iri in live_iris:
            plan.changed += 1
        else:
            plan.new += 1
    for statement_id, iri in sorted(live.items()):
        # an entry's older statement, or one of an entry no longer in a file that was imported
        if statement_id not in keep and iri.split("#", 1)[0] in files:
            plan.void.append(voiding_statement(config, statement_id))
    return plan


def apply(plan: Plan, client: LRSClient, progress=lambda done: None) -> None:
    """Send the new statements first, then void the old ones: stopped half way, the next import
    finishes the job (nothing is lost, nothing is stored twice)."""
    for batch_list in (plan.send, plan.void):
        for start in range(0, len(batch_list), BATCH):
            batch = batch_list[start:start + BATCH]
            client.post_statements(batch)
            progress(len(batch))
