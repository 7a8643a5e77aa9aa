"""Rule 13: the LRS's files are private on the host.

After `lrs init` and `lrs serve` (a real server, two workers) with some writes, and
`lrs backup`, the data folder is 0700 and every file in it, the store's WAL and shared
memory, the secret key, the first login, the backup and the request log are 0600: no other
local user reads anyone's records. A data folder an older version left readable is
tightened when the command starts. The test process itself runs with umask 022, as a
shell usually does, so the modes come from the LRS, not from the test.
"""

from __future__ import annotations

import os
import stat
import subprocess
import uuid

import pytest
import requests

from tests.conftest import statement
from tests.e2e.server import LRS, running_server


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def shell_umask():
    """Run as from a usual shell (umask 022): files would be 0644 unless the LRS sees to it."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _modes(paths, base) -> dict[str, str]:
    return {str(p.relative_to(base)): oct(mode(p)) for p in paths}


def test_files_of_a_serving_lrs_are_its_users_only(tmp_path, shell_umask):
    home = tmp_path / "home"
    log = tmp_path / "logs" / "requests.jsonl"
    backup = tmp_path / "backups" / "lrs-backup.sqlite3"
    log.parent.mkdir()  # the operator's folder for logs; the LRS makes the file
    with running_server(home, workers=2, env={"LRS_REQUEST_LOG": str(log)}) as server:
        session = requests.Session()
        session.auth = (server.first_login["credential"]["key"], server.first_login["credential"]["secret"])
        session.headers["X-Experience-API-Version"] = "1.0.3"
        for _ in range(3):
            sent = session.post(f"{server.xapi}/statements", json=[statement(id=str(uuid.uuid4()))])
            assert sent.status_code == 200, sent.text
        done = subprocess.run([LRS, "backup", str(backup)], env=server.env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr

        files = [home / name for name in ("lrs.sqlite3", "lrs.sqlite3-wal", "lrs.sqlite3-shm", "secret_key",
                                          "first-login.json")] + [backup, log]
        assert all(p.exists() for p in files), [str(p) for p in files if not p.exists()]
        everything = [p for p in home.rglob("*")]
        wrong = {**_modes([home] if mode(home) != 0o700 else [], tmp_path),
                 **_modes((p for p in files + everything if p.is_file() and mode(p) & 0o077), tmp_path),
                 **_modes((p for p in everything if p.is_dir() and mode(p) & 0o077), tmp_path)}
        assert wrong == {}, f"readable by others: {wrong}"
        assert all(mode(p) == 0o600 for p in files), _modes(files, tmp_path)


def test_an_older_data_folder_is_tightened_at_start(tmp_path, shell_umask):
    home = tmp_path / "home"
    env = {**os.environ, "LRS_HOME": str(home)}
    subprocess.run([LRS, "init"], env=env, check=True, capture_output=True)
    loose = [home, *home.iterdir()]
    for path in loose:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    subprocess.run([LRS, "check"], env=env, check=True, capture_output=True)
    assert mode(home) == 0o700
    assert {p.name: oct(mode(p)) for p in home.iterdir() if mode(p) & 0o077} == {}
