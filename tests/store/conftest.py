"""The storage contract runs against every backend available here.

SQLite always; MongoDB joins when a later change adds its backend and
LRS_TEST_MONGODB_URI points at a real server.
"""

from __future__ import annotations

import pytest

from lrs.store.sqlite import SQLiteStore

BACKENDS = ["sqlite"]


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    if request.param == "sqlite":
        store = SQLiteStore(tmp_path / "contract.sqlite3")
    store.initialise()
    yield store
    store.close()
