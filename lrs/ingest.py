"""Storing statements: the one path every statement takes, from the xAPI API or a plugin.

Validation, the access gate's rules for writers (a person writes and voids only
their own statements), signatures, attachments, the ``validate_statement`` and
``statements_stored`` hooks, all or nothing. Free of
HTTP, so the personal learning space, importers and connectors store exactly
as the Statements resource does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from lrs.access import Access
from lrs.errors import BadRequest, PayloadTooLarge
from lrs.xapi.attachments import check_attachments, declared_attachments
from lrs.xapi.signatures import signature_attachment, verify_signed_statement
from lrs.xapi.statements import prepare
from lrs.xapi.validation import validate_statement

log = logging.getLogger(__name__)


@dataclass
class SavedBatch:
    #: every statement's id, in batch order
    ids: list[str]
    #: the ids of the statements newly stored (the others were stored already, identical)
    new_ids: list[str]


def save_statements(ctx, statements: list, parts: dict, *, access: Access, version: str,
                    statement_id: str | None = None) -> list[str]:
    """Validate, complete and store a batch all or nothing; return the ids in batch order."""
    return save_batch(ctx, statements, parts, access=access, version=version, statement_id=statement_id).ids


def save_batch(ctx, statements: list, parts: dict, *, access: Access, version: str,
               statement_id: str | None = None, keep_authority: bool = False) -> SavedBatch:
    """:func:`save_statements`, also saying which statements are new.

    ``keep_authority`` keeps a statement's own ``authority`` (the credential's fills in
    where there is none): only for a restore the operator trusts, as xAPI-Data.md §2.4.9
    allows "where a strong trust relationship has been established". ``stored`` is
    always this LRS's own (§2.4.8: the LRS MUST overwrite it).
    """
    access.require("statements", "write")
    credential = access.credential
    if len(statements) > ctx.config.max_batch:
        raise PayloadTooLarge(
            f"a batch may hold at most {ctx.config.max_batch} statements; this one has {len(statements)}",
            location="body",
        )
    single = statement_id is not None
    define = bool({"define", "all"} & set(credential.scopes))
    prepared = []
    seen: set[str] = set()
    voids: dict[str, str] = {}  # voided id → where
    for position, statement in enumerate(statements):
        location = "statement" if single else f"statement[{position}]"
        validate_statement(statement, version=version, location=location)
        owners = access.write_owners(statement, location)
        signature = signature_attachment(statement)
        if signature is not None and signature["sha2"].lower() in parts:
            verify_signed_statement(statement, parts[signature["sha2"].lower()].content, location=location)
        authority = credential.authority
        if keep_authority and isinstance(statement.get("authority"), dict):
            authority = statement["authority"]
        item = prepare(statement, authority=authority, authority_key=credential.key,
                       version=version, owners=owners, statement_id=statement_id, define=define)
        if item.id in seen:
            raise BadRequest(f"the batch has the statement id {item.id} twice", location=f"{location}.id")
        seen.add(item.id)
        if item.voids is not None:
            voids[item.voids] = f"{location}.object.id"
        prepared.append(item)
    # a batch's own statements are the writer's already (write_owners); others are asked of the store
    access.check_voids({t: where for t, where in voids.items() if t not in seen}, ctx.store)
    check_attachments([item.statement for item in prepared], parts)
    if parts:
        for item in prepared:
            item.carries = sorted({a["sha2"].lower() for a in declared_attachments(item.statement)
                                   if "sha2" in a and a["sha2"].lower() in parts})
    for item in prepared:
        ctx.pm.hook.validate_statement(statement=item.statement, version=version, credential=credential, lrs=ctx,
                                       access=access)
    new_ids = set(ctx.store.store_statements(prepared, parts))
    stored = [item.statement for item in prepared if item.id in new_ids]
    if stored:
        try:
            ctx.pm.hook.statements_stored(statements=stored, store=ctx.store, credential=credential, lrs=ctx,
                                          access=access)
        except Exception:  # the batch is durable; a plugin's failure must not fail the request
            log.exception("a statements_stored hook failed")
    return SavedBatch([item.statement["id"] for item in prepared], [i.id for i in prepared if i.id in new_ids])


