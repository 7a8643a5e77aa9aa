"""Items: the small records plugins keep per person, so that every backend stores them and
erasure removes them."""

from __future__ import annotations

import abc
import secrets
from dataclasses import dataclass


@dataclass
class Item:
    """A small JSON record a person owns: a goal, a share, a session, a link, CPD fields …

    Plugins keep their per-person data as items of their own ``kind`` so that every
    backend stores it and erasure removes it. ``ref`` is one value an item can be
    found by (for a share: the person it is shared with).
    """

    kind: str
    item_id: str
    person_id: int | None
    body: dict
    ref: str | None = None
    created: str = ""
    updated: str = ""


class ItemStore(abc.ABC):
    """Items."""

    @abc.abstractmethod
    def put_item(self, item: Item) -> Item:
        """Create or replace the item (kind, item_id); returns it with its times set."""

    @abc.abstractmethod
    def get_item(self, kind: str, item_id: str) -> Item | None: ...

    @abc.abstractmethod
    def list_items(self, kind: str, *, person_id: int | None = None, ref: str | None = None) -> list[Item]:
        """Items of a kind, oldest first, narrowed to a person and/or a ref."""

    @abc.abstractmethod
    def delete_item(self, kind: str, item_id: str) -> bool: ...

    @abc.abstractmethod
    def take_item(self, kind: str, item_id: str) -> Item | None:
        """Delete the item and return it, or None when there is none.

        For one-time tokens (invitations, confirmation links, link codes): of callers racing
        for one item, in any threads and processes, exactly one gets it.
        """

    #: the kind of the items that hold :meth:`note_change`'s tokens (where a backend keeps them as items)
    CHANGE_MARKER = "change-marker"

    def change_token(self, name: str) -> str | None:
        """A value that differs after every :meth:`note_change` of ``name``, made by any process.

        For caches of what every request reads and seldom changes (the xAPI Profiles registry). Asked
        on every request, so a backend may answer it from something cheaper than this item read (SQLite:
        a file's size). Not abstract: a backend made before it keeps working. ``name`` is lower-case
        letters, digits and dashes.
        """
        marker = self.get_item(self.CHANGE_MARKER, name)
        return marker.body.get("token") if marker else None

    def note_change(self, name: str) -> None:
        """Mark ``name`` changed, after the change itself is stored: from now on every process's
        :meth:`change_token` differs from what it answered before."""
        self.put_item(Item(self.CHANGE_MARKER, name, None, {"token": secrets.token_hex(8)}))
