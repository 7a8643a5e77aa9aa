"""Refused statements are not lost: each statement request the Statements resource refuses for
what it holds is kept a while, with the reason, the credential and the body, for whoever owns
that credential to fix and send again.

Kept: a PUT or POST refused with 400, 403, 409, 413 or 415 after its credential was recognised
(a 401 has no owner; 429 and 503 are the server's state, not the content; a body over
``LRS_MAX_BODY_BYTES`` is never read). Each refusal is two items: ``rejected`` (what happened:
when, the credential, status, message, location, version, sizes) and ``rejected-body`` (the raw
body), both with the credential's person (None for a tool credential) so that erasure removes
them. Who may see, resend or discard one is the access gate's decision
(:meth:`lrs.access.Access.owns_rejected`): the person for their keys, the operator for tool
credentials.

Bounded (settings in lrs/config.py, docs/security.md): kept ``LRS_REJECTED_DAYS`` (14), at most
``LRS_REJECTED_MAX_BYTES`` of one body (a larger multipart body keeps its statements part and the
parts' hashes; a larger JSON body only its size and SHA-256), ``LRS_REJECTED_PER_CREDENTIAL`` per
credential and ``LRS_REJECTED_TOTAL`` / ``LRS_REJECTED_TOTAL_BYTES`` in all, the oldest going
first. Expired ones are hidden at once and deleted by a later refusal or ``lrs rejected purge``.
The credential's limit holds at every refusal; the store's limits and expiry are applied by a
sweep of every kept refusal after a number of refusals growing with how many are kept (one in a
hundred of them), so the totals may be passed by at most 1% before they are restored.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass, field

from lrs.access import REJECTED_KINDS, Access
from lrs.errors import BadRequest, Forbidden, LRSError, NotFound
from lrs.ingest import save_statements
from lrs.store.base import Item
from lrs.xapi.attachments import parse_multipart, split_parts
from lrs.xapi.jsontext import parse_json

KIND, BODY_KIND = REJECTED_KINDS
#: statuses that refuse what a request holds (not who sent it, nor the server's state)
KEPT_STATUSES = frozenset({400, 403, 409, 413, 415})
MULTIPART = "multipart/mixed"

log = logging.getLogger(__name__)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class Rejected:
    """One refused request as its owner sees it."""

    item: Item
    store: object = field(repr=False, default=None)

    def _get(self, name, default=None):
        return self.item.body.get(name, default)

    id = property(lambda self: self.item.item_id)
    when = property(lambda self: self._get("when", ""))
    expires = property(lambda self: self._get("expires", ""))
    status = property(lambda self: self._get("status"))
    message = property(lambda self: self._get("message", ""))
    location = property(lambda self: self._get("location"))
    method = property(lambda self: self._get("method", "POST"))
    statement_id = property(lambda self: self._get("statement_id"))
    version = property(lambda self: self._get("version", "1.0.3"))
    content_type = property(lambda self: self._get("content_type", ""))
    statements = property(lambda self: self._get("statements"))
    body_bytes = property(lambda self: self._get("body_bytes", 0))
    body_sha256 = property(lambda self: self._get("body_sha256", ""))
    kept = property(lambda self: self._get("kept", "none"))
    kept_bytes = property(lambda self: self._get("kept_bytes", 0))
    parts = property(lambda self: self._get("parts", []))
    edited = property(lambda self: bool(self._get("edited")))
    credential_key = property(lambda self: (self._get("credential") or {}).get("key", ""))
    credential_name = property(lambda self: (self._get("credential") or {}).get("name", ""))

    @property
    def multipart(self) -> bool:
        return self.content_type.split(";")[0].strip().lower() == MULTIPART

    def _body(self) -> dict:
        found = self.store.get_item(BODY_KIND, self.item.item_id)
        return found.body if found is not None else {}

    def raw(self) -> bytes | None:
        """The body exactly as it was sent, when it was kept whole."""
        body = self._body()
        if "raw" not in body:
            return None
        return base64.b64decode(body["raw"]) if body.get("encoding") == "base64" else body["raw"].encode()

    def text(self) -> str | None:
        """The statements to fix: the last edit, the JSON (part) as sent, or None when nothing was kept."""
        body = self._body()
        if "statements" in body:
            return body["statements"]
        raw = self.raw()
        if raw is None:
            return None
        if self.multipart:
            try:
                raw = split_parts(raw, self.content_type)[0][1]
            except LRSError:
                pass
        return raw.decode("utf-8", errors="replace")

    def attachment_parts(self) -> dict:
        """The attachment parts sent with it, when its multipart body was kept whole and can be read."""
        raw = self.raw() if self.multipart else None
        if raw is None:
            return {}
        try:
            return parse_multipart(raw, self.content_type)[1]
        except LRSError:
            return {}


# -- keeping -----------------------------------------------------------------------------------


def keep(lrs, xreq, error: LRSError) -> None:
    """Keep a refused PUT or POST of statements for its credential's owner; never fails the answer."""
    if xreq.credential is None or error.status_code not in KEPT_STATUSES or lrs.config.rejected_days <= 0:
        return
    try:
        _keep(lrs, xreq, error)
    except Exception:  # the client gets its refusal whatever happens here
        log.exception("could not keep a refused statement request")


def _what_to_keep(raw: bytes, content_type: str, cap: int) -> tuple[str, dict, list[dict]]:
    """(kept, body item content, parts' metadata): the whole body under the cap; above it, a
    multipart body's statements part when that fits; otherwise nothing."""
    parts: list[dict] = []
    first = None
    if content_type.split(";")[0].strip().lower() == MULTIPART:
        try:
            split = split_parts(raw, content_type)
            first = split[0][1]
            parts = [{"sha2": (headers.get("x-experience-api-hash") or "").lower(),
                      "content_type": headers.get("content-type", "application/octet-stream"),
                      "length": len(content)} for headers, content in split[1:]]
        except LRSError:
            pass
    if len(raw) <= cap:
        try:
            return "whole", {"raw": raw.decode("utf-8"), "encoding": "utf-8"}, parts
        except UnicodeDecodeError:
            return "whole", {"raw": base64.b64encode(raw).decode(), "encoding": "base64"}, parts
    if first is not None and len(first) <= cap:
        return "statements", {"statements": first.decode("utf-8", errors="replace")}, parts
    return "none", {}, parts


def _keep(lrs, xreq, error: LRSError) -> None:
    config, store = lrs.config, lrs.store
    credential = xreq.credential
    raw = xreq.body or b""
    content_type = xreq.header("content-type") or ""
    kept, content, parts = _what_to_keep(raw, content_type, config.rejected_max_bytes)
    now = _now()
    item_id = f"{now.strftime('%Y%m%dT%H%M%S%f')}-{secrets.token_hex(4)}"
    meta = {
        "when": now.isoformat(timespec="seconds"),
        "expires": (now + dt.timedelta(days=config.rejected_days)).isoformat(timespec="seconds"),
        "credential": {"key": credential.key, "name": credential.name},
        "method": xreq.method, "statement_id": xreq.params.get("statementId"),
        "status": error.status_code, "message": error.message, "location": error.location,
        "version": xreq.version or None, "content_type": content_type[:200],
        "statements": xreq.extra.get("statements"),
        "body_bytes": len(raw), "body_sha256": hashlib.sha256(raw).hexdigest(),
        "kept": kept, "kept_bytes": _size(content), "parts": parts[:100], "edited": False,
    }
    ref = f"credential:{credential.key}"
    # what happened first, then the body: a crash between them leaves a refusal without its body
    # (shown as such, purged in time), never a body no listing finds
    item = store.put_item(Item(KIND, item_id, credential.person_id, meta, ref=ref))
    if content:
        store.put_item(Item(BODY_KIND, item_id, credential.person_id, content, ref=ref))
    _count(lrs, kept=kept)
    _enforce_limits(lrs, item)


def _size(content: dict) -> int:
    return sum(len(v) for k, v in content.items() if k in ("raw", "statements"))


def _enforce_limits(lrs, newest: Item) -> None:
    """The credential's limit at once; expiry and the store's limits on a sweep of every refusal,
    made after a number of refusals that grows with how many are kept (1 in 100 of them), so that
    a flood of refusals costs a small listing each, not a listing of all of them."""
    config, store = lrs.config, lrs.store
    now = _now().isoformat(timespec="seconds")
    mine = []
    for item in store.list_items(KIND, ref=newest.ref):
        if item.body.get("expires", "") <= now:
            _remove(lrs, item, "expired")
        else:
            mine.append(item)
    for item in mine[:max(0, len(mine) - config.rejected_per_credential)]:
        _remove(lrs, item, "credential_limit")
    state = lrs.plugin_state(__name__)
    state["since_sweep"] = state.get("since_sweep", 0) + 1
    if state["since_sweep"] >= state.get("sweep_every", 1):
        live = _sweep(lrs, now)
        state.update(since_sweep=0, sweep_every=max(1, live // 100))


def _sweep(lrs, now: str) -> int:
    """Expired refusals go, then the oldest beyond the store's limits; returns how many are left."""
    config = lrs.config
    live = []
    for item in lrs.store.list_items(KIND):
        if item.body.get("expires", "") <= now:
            _remove(lrs, item, "expired")
        else:
            live.append(item)
    over = max(0, len(live) - config.rejected_total)
    for item in live[:over]:
        _remove(lrs, item, "total_limit")
    live = live[over:]
    total = sum(i.body.get("kept_bytes", 0) for i in live)
    while live and total > config.rejected_total_bytes:
        item = live.pop(0)
        _remove(lrs, item, "total_limit")
        total -= item.body.get("kept_bytes", 0)
    return len(live)


def _remove(lrs, item: Item, reason: str) -> None:
    # the body first: a crash in between leaves the refusal listed without its body, never a lost body
    if item.body.get("kept_bytes"):
        lrs.store.delete_item(BODY_KIND, item.item_id)
    if lrs.store.delete_item(KIND, item.item_id):
        _count(lrs, removed=reason)


def _count(lrs, *, kept: str | None = None, removed: str | None = None) -> None:
    from lrs.observability import metrics_of

    metrics = metrics_of(lrs)
    if metrics is None:
        return
    if kept:
        metrics.rejected_kept.labels(kept=kept).inc()
    if removed:
        metrics.rejected_removed.labels(reason=removed).inc()


# -- what owners do --------------------------------------------------------------------------------


def _live(item: Item) -> bool:
    return item.body.get("expires", "") > _now().isoformat(timespec="seconds")


def list_rejected(lrs, access: Access) -> list[Rejected]:
    """The refusals this reader owns (the gate decides), newest first; expired ones are not shown."""
    store = lrs.store
    candidates = (store.list_items(KIND, person_id=access.person_id) if access.person_id is not None
                  else store.list_items(KIND))
    return [Rejected(item, store) for item in reversed(candidates) if access.owns_rejected(item) and _live(item)]


def find_rejected(lrs, access: Access, rejected_id: str) -> Rejected | None:
    """One refusal, or None when there is none this reader owns (another's reads as absent)."""
    item = lrs.store.get_item(KIND, str(rejected_id)[:100])
    if not access.owns_rejected(item) or not _live(item):
        return None
    return Rejected(item, lrs.store)


def _mine(lrs, access: Access, rejected: Rejected) -> Rejected:
    found = find_rejected(lrs, access, rejected.id)
    if found is None:
        raise NotFound("no refused request with that id is yours", location="id")
    return found


def _batch(value, method: str) -> list:
    """The statements of a body, read as the Statements resource reads a PUT or a POST."""
    if method == "PUT":
        if not isinstance(value, dict):
            raise BadRequest("PUT takes one statement, a JSON object", location="body")
        return [value]
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        raise BadRequest("POST takes a statement (JSON object) or an array of statements", location="body")
    return value


def resend_rejected(lrs, access: Access, rejected: Rejected, text: str | None = None) -> list[str]:
    """Send a refused request again, as the credential that sent it, with ``text`` (the fixed
    statements) or as it was kept; its attachment parts go with it when they were kept.

    Stored: the refusal is gone and the statement ids are returned. Refused again: the error is
    raised and the refusal keeps the edit and the new reason, to be fixed further.
    """
    rejected = _mine(lrs, access, rejected)
    credential = lrs.store.get_credential(rejected.credential_key)
    if credential is None or not access.owns_credential(credential):
        raise NotFound("the credential that sent this request is gone", location="credential")
    if credential.revoked:
        raise Forbidden(f"the credential {credential.name!r} was revoked ({credential.revoked[:10]}); what it sent"
                        " is sent again only as that credential", location="credential")
    original = rejected.text()
    if text is None:
        text = original
    if text is None:
        raise BadRequest("nothing of this request's body was kept (it was larger than the limit): give the"
                         " statements to send", location="body")
    writer = Access.for_credential(credential, lrs.store)
    try:
        statements = _batch(parse_json(text, location="body"), rejected.method)
        ids = save_statements(lrs, statements, rejected.attachment_parts(), access=writer, version=rejected.version,
                              statement_id=rejected.statement_id if rejected.method == "PUT" else None)
    except LRSError as error:
        _refused_again(lrs, rejected, error, text if text != original else None)
        raise
    _remove(lrs, rejected.item, "resent")
    return ids


def _refused_again(lrs, rejected: Rejected, error: LRSError, edit: str | None) -> None:
    """Keep the new reason, and the owner's edit when it fits the limit (so it can be fixed further)."""
    store, cap = lrs.store, lrs.config.rejected_max_bytes
    meta = {**rejected.item.body, "status": error.status_code, "message": error.message, "location": error.location,
            "resends": rejected.item.body.get("resends", 0) + 1}
    if edit is not None and len(edit.encode()) <= cap:
        content = {**rejected._body(), "statements": edit}
        meta.update(edited=True, kept_bytes=_size(content))
        store.put_item(Item(BODY_KIND, rejected.id, rejected.item.person_id, content, ref=rejected.item.ref))
    store.put_item(Item(KIND, rejected.id, rejected.item.person_id, meta, ref=rejected.item.ref,
                        created=rejected.item.created))


def discard_rejected(lrs, access: Access, rejected: Rejected) -> bool:
    """The owner gives up on a refused request."""
    rejected = _mine(lrs, access, rejected)
    _remove(lrs, rejected.item, "discarded")
    return True


def purge_rejected(lrs, *, everything: bool = False) -> int:
    """Delete expired refusals (anyone's: nothing of them is shown); with ``everything`` also every
    refusal the operator owns (tool credentials'). Returns how many were deleted."""
    now = _now().isoformat(timespec="seconds")
    operator = Access.operator()
    count = 0
    for item in lrs.store.list_items(KIND):
        if item.body.get("expires", "") <= now:
            _remove(lrs, item, "expired")
            count += 1
        elif everything and operator.owns_rejected(item):
            _remove(lrs, item, "discarded")
            count += 1
    return count
