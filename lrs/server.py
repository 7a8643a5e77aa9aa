"""``lrs serve``: Granian, a Rust HTTP server, in several processes, running the app through
:mod:`lrs.rsgi`.

Granian reads request heads and keeps idle keep-alive connections in Rust, without a Python
thread, and closes a connection whose head has not arrived within ``LRS_HEADER_TIMEOUT``
seconds (an idle keep-alive connection too). :mod:`lrs.rsgi` reads bodies in each worker's event
loop within ``LRS_BODY_TIMEOUT`` seconds before any thread is committed, so clients that send
slowly, or never, hold no thread. The choice of server, measured against gunicorn and uWSGI:
docs/performance.md.
"""

from __future__ import annotations

import os
import signal


def _logging(access_log: str) -> dict | None:
    """Granian's logging configuration: its access log to a file, when LRS_ACCESS_LOG names one."""
    if not access_log or access_log == "-":
        return None
    return {
        "handlers": {
            "console": {"formatter": "generic", "class": "logging.StreamHandler", "stream": "ext://sys.stderr"},
            "access": {"formatter": "access", "class": "logging.FileHandler", "filename": access_log},
        },
    }


def _quick_shutdown(signum, frame):
    """SIGQUIT: stop at once, as gunicorn's quick shutdown did (no graceful wait). The workers end
    with this process (lrs.rsgi.end_with_parent); what they had acknowledged is on disk already."""
    os._exit(0)


def serve(config, *, host: str, port: int, workers: int, threads: int) -> None:
    """Serve until stopped (SIGINT/SIGTERM: gracefully; SIGQUIT: at once): ``workers`` processes,
    each answering xAPI reads in its event loop and everything else in ``threads`` threads
    (lrs/rsgi.py). The workers are forked from this process, so they keep the umask ``lrs`` set
    (lrs/files.py), and end when it ends."""
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.http import HTTP1Settings
    from granian.server import Server as Granian

    from lrs import rsgi

    rsgi.SERVING = (config, threads)  # the forked workers build the app from it (lrs.rsgi.app)
    signal.signal(signal.SIGQUIT, _quick_shutdown)
    dictconfig = _logging(config.access_log)
    Granian(
        "lrs.rsgi:app", factory=True, address=host, port=port, interface=Interfaces.RSGI, workers=workers,
        loop=Loops.asyncio, http=HTTPModes.http1, websockets=False,
        http1_settings=HTTP1Settings(header_read_timeout=max(1, int(config.header_timeout * 1000)),
                                     keep_alive=config.keepalive > 0),
        log_access=bool(config.access_log), log_dictconfig=dictconfig,
        respawn_failed_workers=True, workers_kill_timeout=10,
    ).serve()

