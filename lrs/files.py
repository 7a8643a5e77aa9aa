"""The LRS's files on the host are its own user's only.

The store holds everyone's records, password hashes and credential hashes; the secret key
signs sessions and cursors; the request log says who did what. Another local user of the
machine must read none of it. The ``lrs`` command and the server run with umask 077, every
file the LRS makes is created 0600 explicitly (so code that runs under another umask, such
as tests or an embedding application, makes them private too), and a data folder an older
version left readable is tightened at start.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
#: the files SQLite and the store keep beside a store file (``-changes-``: its change signals; ``-credentials``:
#: the credentials' signal of versions before 2026-11-28, tightened if left behind)
STORE_SUFFIXES = ("", "-wal", "-shm", "-journal", "-credentials", "-writer.lock", "-changes-profile-registry",
                  "-changes-credentials")


def private_process() -> None:
    """From now on, whatever this process and its children (the server's workers) create is theirs only."""
    os.umask(PRIVATE_UMASK)


def create_private(path: str | Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (then it is left as it is)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        pass


def open_private(path: str | Path, mode: str = "a", **kwargs):
    """``open(path, mode)`` for writing, a new file being created with mode 0600."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode.startswith("a") else os.O_TRUNC)
    return open(os.open(path, flags, PRIVATE_FILE), mode, **kwargs)


def write_private(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` (replacing it), the file readable by its owner only."""
    with open_private(path, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(path, PRIVATE_FILE)  # an older file of the same name may have had a wider mode


def _tighten(path: Path, wanted: int) -> None:
    try:
        if os.stat(path).st_mode & 0o077:
            os.chmod(path, wanted)
            log.warning("made %s readable by its owner only (it was readable by others)", path)
    except FileNotFoundError:
        pass
    except OSError as error:  # not ours: say so, do not stop the LRS
        log.warning("could not make %s private: %s", path, error)


def make_private(config) -> None:
    """Tighten what is readable by others: the data folder and what it holds (0700 folders, 0600
    files), the SQLite store and its companions wherever they are, and the request log."""
    home = Path(config.home)
    if home.is_dir():
        _tighten(home, PRIVATE_DIR)
        for path in home.rglob("*"):
            if not path.is_symlink():
                _tighten(path, PRIVATE_DIR if path.is_dir() else PRIVATE_FILE)
    url = config.store_url
    if url.startswith("sqlite://") and ":memory:" not in url:
        store = url.split("://", 1)[1]  # as lrs.store.sqlite.open_sqlite reads it
        for suffix in STORE_SUFFIXES:
            _tighten(Path(store + suffix), PRIVATE_FILE)
    if config.request_log and config.request_log != "-":
        _tighten(Path(config.request_log), PRIVATE_FILE)
