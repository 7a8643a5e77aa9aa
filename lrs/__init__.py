"""Learnfolio: an xAPI Learning Record Store where the individual owns the record.

This package's top level is the public API for plugins: everything a plugin may use is
named in ``__all__`` below (docs/plugins.md describes each), and a test fails when a
module under ``plugins/`` or ``connectors/`` imports anything else from ``lrs``. Names are
imported on first use, so ``import lrs`` stays cheap and the core's modules can import
each other freely.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: public name → the module that defines it
_PUBLIC = {
    # hooks: mark implementations, declare a plugin's own hooks
    "hookimpl": "lrs.hookspecs",
    "hookspec": "lrs.hookspecs",
    # the application object hooks receive (store, config, plugin manager, settings)
    "LRS": "lrs.app",
    "command_app": "lrs.cli",
    # who may read or change what (docs/ownership.md)
    "Access": "lrs.access",
    "PERSON_SCOPES": "lrs.access",
    # typed registrations
    "StoreBackend": "lrs.plugins",
    "Panel": "lrs.plugins",
    "Reader": "lrs.plugins",
    "SignInProvider": "lrs.plugins",
    "DuplicateRegistration": "lrs.plugins",
    "named_registrations": "lrs.plugins",
    "store_wide_readers": "lrs.plugins",
    # errors, each with its HTTP status, turned into responses in one place
    "LRSError": "lrs.errors",
    "BadRequest": "lrs.errors",
    "Unauthorized": "lrs.errors",
    "Forbidden": "lrs.errors",
    "NotFound": "lrs.errors",
    "Conflict": "lrs.errors",
    "PreconditionFailed": "lrs.errors",
    "PayloadTooLarge": "lrs.errors",
    "OutboundError": "lrs.errors",
    "BlockedAddress": "lrs.errors",
    # the web framework of every plugin's pages
    "page_blueprint": "lrs.web",
    "CSP": "lrs.web",
    "render": "lrs.web",
    "signed_in": "lrs.web",
    "admin_only": "lrs.web",
    "set_pages": "lrs.web",
    "lrs_app": "lrs.web",
    "current_person": "lrs.web",
    "current_access": "lrs.web",
    "csrf_token": "lrs.web",
    "safe_next": "lrs.web",
    "public_link": "lrs.web",
    "start_session": "lrs.web",
    "end_session": "lrs.web",
    "end_all_sessions": "lrs.web",
    "current_session_id": "lrs.web",
    "begin_sign_in": "lrs.web",
    "finish_sign_in": "lrs.web",
    "complete_sign_in": "lrs.web",
    "sign_in_providers": "lrs.web",
    # accounts: invitations, password reset tokens, what an identity provider asserted
    "Assertion": "lrs.accounts",
    "invite": "lrs.accounts",
    "invitation": "lrs.accounts",
    "pending_invitations": "lrs.accounts",
    "take_invitation": "lrs.accounts",
    "revoke_invitation": "lrs.accounts",
    "verify_invited_address": "lrs.accounts",
    "person_with_address": "lrs.accounts",
    "issue_reset": "lrs.accounts",
    "reset_request": "lrs.accounts",
    "take_reset": "lrs.accounts",
    "ADMIN_TOOL_SCOPES": "lrs.access",
    # the storage contract's types
    "Store": "lrs.store.base",
    "Item": "lrs.store.base",
    "Person": "lrs.store.base",
    "Identity": "lrs.store.base",
    "StoredStatement": "lrs.store.base",
    "StatementPage": "lrs.store.base",
    "RecordRow": "lrs.store.contract.record_rows",
    "RecordFilter": "lrs.store.contract.record_rows",
    "RecordSum": "lrs.store.contract.record_rows",
    # for a store backend's author (register_stores): what the domain decides, the store persists
    "PreparedStatement": "lrs.xapi.statements",
    "plan_writes": "lrs.xapi.writes",
    # storing statements: the one path every statement takes
    "save_statements": "lrs.ingest",
    "save_batch": "lrs.ingest",
    "SavedBatch": "lrs.ingest",
    # statement requests the LRS refused, kept for their credential's owner (lrs/rejected.py)
    "Rejected": "lrs.rejected",
    "list_rejected": "lrs.rejected",
    "find_rejected": "lrs.rejected",
    "resend_rejected": "lrs.rejected",
    "discard_rejected": "lrs.rejected",
    # people and credentials
    "Credential": "lrs.auth.credentials",
    "tool_authority": "lrs.auth.credentials",
    "create_tool_credential": "lrs.auth.credentials",
    "PERSONAL_SCOPES": "lrs.auth.personal",
    "person_agent": "lrs.auth.personal",
    "personal_authority": "lrs.auth.personal",
    "create_person": "lrs.auth.personal",
    "create_personal_key": "lrs.auth.personal",
    "hash_password": "lrs.auth.passwords",
    "verify_password": "lrs.auth.passwords",
    # requests to addresses people give
    "Guard": "lrs.outbound",
    "Answer": "lrs.outbound",
    "status_text": "lrs.outbound",
    # spreadsheets people open: cells that cannot run as formulas
    "write_rows": "lrs.spreadsheets",
    "Figure": "lrs.spreadsheets",
    # the xAPI domain
    "StatementQuery": "lrs.xapi.query",
    "parse_position": "lrs.xapi.query",
    "Document": "lrs.xapi.documents",
    "DocumentRef": "lrs.xapi.documents",
    "STATE": "lrs.xapi.documents",
    "AGENT_PROFILE": "lrs.xapi.documents",
    "ACTIVITY_PROFILE": "lrs.xapi.documents",
    "VOIDED_VERB": "lrs.xapi.indexing",
    "agent_key": "lrs.xapi.agents",
    "AttachmentPart": "lrs.xapi.attachments",
    "declared_attachments": "lrs.xapi.attachments",
    "build_multipart": "lrs.xapi.attachments",
    "split_parts": "lrs.xapi.attachments",
    "servable_content_type": "lrs.xapi.attachments",
    "duration_seconds": "lrs.xapi.datatypes",
    "is_iri": "lrs.xapi.validation",
    "validate_agent": "lrs.xapi.validation",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'lrs' has no attribute {name!r}; the public API is lrs.__all__")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
