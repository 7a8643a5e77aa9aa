"""Start Ralph (openfun/ralph, PyPI `ralph-malph`) with its file backend, as the peer LRS
of the side-by-side benchmark. Run with the peer's own interpreter:

    PEER_VENV/bin/python bench/peer_ralph.py PORT DATA_DIR

Ralph's stock file backend writes with operation type CREATE, so its second
write fails ("Statements bulk indexation failed"); the only change made here is
the one that makes it usable at all: appending to its statements file.
"""

import os
import sys

port, data_dir = int(sys.argv[1]), sys.argv[2]
os.environ.setdefault("RALPH_RUNSERVER_BACKEND", "fs")
os.environ.setdefault("RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH", os.path.join(data_dir, "fs"))
os.environ.setdefault("RALPH_APP_DIR", os.path.join(data_dir, "app"))
os.makedirs(os.environ["RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH"], exist_ok=True)

from ralph.backends.data.base import BaseOperationType  # noqa: E402
from ralph.backends.lrs.fs import FSLRSBackend  # noqa: E402

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

import uvicorn  # noqa: E402

uvicorn.run("ralph.api:app", host="127.0.0.1", port=port, workers=1, log_level="warning")
