"""Crash safety against real servers: SIGKILL of the whole server during concurrent ingest
loses nothing acknowledged, and a backup taken during ingest restores to a consistent store.
The longer run is ``python -m tests.soak.crash --kills N``."""

from __future__ import annotations

import subprocess
import time

from tests.soak.crash import LRS, Ingest, Ledger, Server, free_port, init_home, run, stored_ids

KILLS = 20


def test_sigkill_during_ingest_loses_no_acknowledged_statement(tmp_path, capsys):
    report = run(tmp_path, kills=KILLS, clients=3, uptime=(0.05, 0.4), batch=(1, 5), seed=20)
    with capsys.disabled():
        print("\n" + report.lines())
    assert report.kills >= 20
    assert report.problems == []
    assert report.statements_acked > 0 and report.document_writes_acked > 0
    assert report.statements_found == report.statements_acked
    assert report.half_stored_batches == 0


def _until(condition, seconds: float = 60.0) -> None:
    """Wait for what the test needs to have happened, however loaded the machine (a bound, not a timing)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_backup_during_ingest_restores_to_a_consistent_store(tmp_path):
    home, restored_home = tmp_path / "live", tmp_path / "restored"
    home.mkdir()
    port = free_port()
    auth = init_home(home, port)
    server = Server(home, port)
    ledger = Ledger()
    backup = tmp_path / "backup.sqlite3"
    server.start()
    try:
        with Ingest(server.base, auth, ledger, clients=3, document_clients=1):
            _until(lambda: ledger.acked_ids())  # ingest is under way (on a loaded machine it takes a while)
            acked_before = ledger.acked_ids()
            result = subprocess.run([LRS, "backup", str(backup)], env=server.env, capture_output=True, text=True)
            _until(lambda: len(ledger.acked_ids()) > len(acked_before))
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    assert acked_before and len(ledger.acked_ids()) > len(acked_before)  # ingest went on during the backup

    restored_home.mkdir()
    env = {**server.env, "LRS_HOME": str(restored_home)}
    restore = subprocess.run([LRS, "restore", str(backup), "--yes"], env=env, capture_output=True, text=True)
    assert restore.returncode == 0, restore.stdout + restore.stderr
    assert subprocess.run([LRS, "check"], env=env, capture_output=True, text=True).returncode == 0
    present = stored_ids(restored_home / "lrs.sqlite3")
    assert set(acked_before) <= present
    assert all(sum(i in present for i in batch) in (0, len(batch)) for batch in ledger.batches)
