"""Items in SQLite: the small JSON records plugins keep per person."""

from __future__ import annotations

import json

from lrs.store.contract.items import Item, ItemStore
from lrs.store.sqlite.connection import SQLiteConnection, _now
from lrs.xapi.jsontext import dumps


class SQLiteItems(SQLiteConnection, ItemStore):
    """The items part."""

    @staticmethod
    def _item(row) -> Item:
        return Item(kind=row[0], item_id=row[1], person_id=row[2], ref=row[3], body=json.loads(row[4]),
                    created=row[5], updated=row[6])

    _ITEM_COLUMNS = "kind, item_id, person_id, ref, body, created, updated"

    def put_item(self, item: Item) -> Item:
        now = _now().isoformat()
        with self._write() as conn:
            conn.execute(
                f"INSERT INTO items ({self._ITEM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (kind, item_id) DO UPDATE SET person_id = excluded.person_id, ref = excluded.ref,"
                " body = excluded.body, updated = excluded.updated",
                (item.kind, item.item_id, item.person_id, item.ref, dumps(item.body), item.created or now, now))
            row = conn.execute(f"SELECT {self._ITEM_COLUMNS} FROM items WHERE kind = ? AND item_id = ?",
                               (item.kind, item.item_id)).fetchone()
        return self._item(row)

    def get_item(self, kind, item_id) -> Item | None:
        row = self.conn.execute(f"SELECT {self._ITEM_COLUMNS} FROM items WHERE kind = ? AND item_id = ?",
                                (kind, item_id)).fetchone()
        return self._item(row) if row else None

    def list_items(self, kind, *, person_id=None, ref=None) -> list[Item]:
        sql = [f"SELECT {self._ITEM_COLUMNS} FROM items WHERE kind = ?"]
        params: list = [kind]
        if person_id is not None:
            sql.append("AND person_id = ?")
            params.append(person_id)
        if ref is not None:
            sql.append("AND ref = ?")
            params.append(ref)
        sql.append("ORDER BY created, item_id")
        return [self._item(r) for r in self.conn.execute(" ".join(sql), params)]

    def delete_item(self, kind, item_id) -> bool:
        with self._write() as conn:
            return conn.execute("DELETE FROM items WHERE kind = ? AND item_id = ?", (kind, item_id)).rowcount == 1

    def take_item(self, kind, item_id) -> Item | None:
        with self._write() as conn:  # the write lock: no other thread or process reads it in between
            row = conn.execute(f"SELECT {self._ITEM_COLUMNS} FROM items WHERE kind = ? AND item_id = ?",
                               (kind, item_id)).fetchone()
            if row is not None:
                conn.execute("DELETE FROM items WHERE kind = ? AND item_id = ?", (kind, item_id))
        return self._item(row) if row else None

    def change_token(self, name: str) -> str | None:
        """The file signal of :meth:`_change_token` (the credentials' cache uses the same)."""
        return self._change_token(name)

    def note_change(self, name: str) -> None:
        self._note_change(name)
