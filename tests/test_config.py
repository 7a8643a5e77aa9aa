"""Settings and their defaults (lrs/config.py)."""

from __future__ import annotations

import os

import pytest

from lrs.config import Config


@pytest.mark.parametrize(("cpus", "workers"), [({0}, 2), ({0, 1}, 2), ({0, 1, 2}, 3), (set(range(8)), 8)])
def test_lrs_serve_runs_a_worker_per_cpu_and_at_least_two(monkeypatch, cpus, workers):
    monkeypatch.delenv("LRS_WORKERS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: cpus)
    assert Config.from_env().workers == workers
    assert Config().workers == workers


def test_lrs_workers_overrides_the_default(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setenv("LRS_WORKERS", "5")
    assert Config.from_env().workers == 5
