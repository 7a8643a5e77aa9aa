"""The app as Granian serves it (``lrs serve``): RSGI outside, the WSGI app inside.

Granian (a Rust HTTP server) reads request heads and keeps idle connections in Rust, without a
Python thread, and gives up on a head that does not arrive within ``LRS_HEADER_TIMEOUT``. Its own
WSGI interface would then read the body from the app's thread, with no deadline: a few clients
that send a head and never their body would hold every thread. So the body is read here, in the
worker's event loop, within ``LRS_BODY_TIMEOUT`` (else ``408`` and the connection is closed), and
only a request whose body is in is handed to a thread, which runs the Flask app on it.

xAPI reads (GET and HEAD under the xAPI prefix) on SQLite are answered in the event loop itself:
they only use the CPU, and handing them to a thread and back cost about a third of their CPU
(docs/performance.md). Writes, the space's pages and everything that may wait (a commit's fsync,
the network) take a thread, so the loop stays free to read other requests' bodies.
"""

from __future__ import annotations

import asyncio
import gc
import io
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from lrs.config import Config

#: what stands for a body over the limit, which is not read: the app refuses it from its length (413)
_UNREAD = b""

#: a keep-alive connection older than this (seconds) is closed after its next answer, and its client
#: connects again: Granian's workers each accept what reaches them first, so clients that connected
#: while only some workers were up (start-up, a worker restarted under load) spread out again
MAX_CONNECTION_AGE = 10.0


class Bridge:
    """An RSGI application (``__rsgi__``) calling a WSGI application in a pool of threads."""

    def __init__(self, wsgi_app, *, threads: int, body_timeout: float, max_body_bytes: int,
                 inline_prefix: str = "", url_scheme: str = "http"):
        self.app, self.body_timeout, self.max_body = wsgi_app, body_timeout, max_body_bytes
        self.inline_prefix = inline_prefix
        self.born: dict[str, float] = {}  # when each open connection (client address) was first seen
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="lrs")
        self.base = {
            "SCRIPT_NAME": "", "SERVER_SOFTWARE": "Learnfolio (Granian)", "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0), "wsgi.multithread": True, "wsgi.multiprocess": True,
            "wsgi.run_once": False, "wsgi.input_terminated": True, "wsgi.url_scheme": url_scheme,
        }

    def __rsgi_init__(self, loop):
        self.loop = loop

    def __rsgi_del__(self, loop):
        self.pool.shutdown(wait=False)

    async def __rsgi__(self, scope, proto):
        if scope.proto != "http":
            return
        headers = scope.headers
        declared = headers.get("content-length")
        if declared is None and "transfer-encoding" not in headers:
            body = (b"", 0)  # no body (most GETs): nothing to wait for
        else:
            try:
                async with asyncio.timeout(self.body_timeout):
                    body = await self._body(proto, declared)
            except TimeoutError:
                proto.response_bytes(408, [("content-type", "application/json"), ("connection", "close")],
                                     b'{"error": "the request body did not arrive in time"}')
                return
        environ = self._environ(scope, headers, body)
        if self.inline_prefix and scope.method in ("GET", "HEAD") and scope.path.startswith(self.inline_prefix):
            answer = self._call(environ)  # an xAPI read: CPU only, answered here without a thread hand-off
        else:
            answer = await self.loop.run_in_executor(self.pool, self._call, environ)
        if self._aged(scope.client):
            answer = (answer[0], [*answer[1], ("connection", "close")], *answer[2:])
        if answer[2] is not None:
            proto.response_bytes(*answer[:3])
            return
        status, response_headers, _, chunks = answer
        transport = proto.response_stream(status, response_headers)
        try:
            while True:
                chunk = await self.loop.run_in_executor(self.pool, next, chunks, None)
                if chunk is None:
                    break
                if chunk:
                    await transport.send_bytes(chunk)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                await self.loop.run_in_executor(self.pool, close)

    def _aged(self, client: str) -> bool:
        """Whether this connection has served long enough (MAX_CONNECTION_AGE) to be closed now."""
        now = time.monotonic()
        born = self.born.setdefault(client, now)
        if now - born <= MAX_CONNECTION_AGE:
            return False
        del self.born[client]
        if len(self.born) > 10_000:  # connections closed by their clients are never seen again
            self.born = {c: t for c, t in self.born.items() if now - t <= 6 * MAX_CONNECTION_AGE}
        return True

    async def _body(self, proto, declared: str | None) -> tuple[bytes, int]:
        """The whole body and its length; over the limit only its length (the app answers 413)."""
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                size = -1
            if size > self.max_body:
                return _UNREAD, size
            if size == 0:
                return b"", 0
            data = await proto()
            return data, len(data)
        parts, total = [], 0
        async for chunk in proto:  # chunked: read until the end or past the limit
            total += len(chunk)
            if total > self.max_body:
                return _UNREAD, total
            parts.append(chunk)
        return b"".join(parts), total

    def _environ(self, scope, headers, body: tuple[bytes, int]) -> dict:
        data, size = body
        host, _, port = scope.server.rpartition(":")
        client, _, client_port = scope.client.rpartition(":")
        environ = {
            **self.base,
            "REQUEST_METHOD": scope.method,
            "PATH_INFO": scope.path.encode("utf-8", "surrogateescape").decode("latin-1"),
            "QUERY_STRING": scope.query_string,
            "SERVER_NAME": host.strip("[]"), "SERVER_PORT": port,
            "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
            "REMOTE_ADDR": client.strip("[]"), "REMOTE_PORT": client_port,
            "wsgi.input": io.BytesIO(data),
            "CONTENT_LENGTH": str(size) if size or data else "",
        }
        for name, value in headers.items():
            if name == "content-type":
                environ["CONTENT_TYPE"] = value
            elif name == "content-length" or name == "transfer-encoding":
                continue
            else:
                key = "HTTP_" + name.upper().replace("-", "_")
                environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ

    def _call(self, environ):
        """In a thread: the app's answer, as (status, headers, body bytes) or, for a large or
        unsized body (a file, an archive), (status, headers, None, the WSGI iterable) to stream."""
        started = []

        def start_response(status, headers, exc_info=None):
            started[:] = [int(status[:3]), headers]

        result = self.app(environ, start_response)
        if not started:  # a generator calls start_response on its first step
            iterator = iter(result)
            first = next(iterator, b"")
            result = _Rest(first, iterator, result)
        status, headers = started
        size = next((value for name, value in headers if name.lower() == "content-length"), None)
        if size is not None and int(size) <= STREAM_ABOVE:
            try:
                return status, headers, b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        return status, headers, None, iter(result) if not hasattr(result, "close") else _Closing(result)


#: answers up to this size are sent in one piece; larger or unsized ones are streamed
STREAM_ABOVE = 1024 * 1024


class _Rest:
    """A WSGI iterable whose first chunk was already taken (to learn its status)."""

    def __init__(self, first, iterator, result):
        self.first, self.iterator, self.result = first, iterator, result

    def __iter__(self):
        if self.first:
            yield self.first
        yield from self.iterator

    def close(self):
        close = getattr(self.result, "close", None)
        if close is not None:
            close()


class _Closing:
    """The iterator of a WSGI iterable, with its ``close``."""

    def __init__(self, result):
        self.iterator, self.result = iter(result), result

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.iterator)

    def close(self):
        self.result.close()


def end_with_parent() -> None:
    """Tie this worker's life to ``lrs serve``'s main process: when it goes away, however it goes
    (SIGQUIT, SIGKILL, a crash), the kernel ends the worker too, as gunicorn's workers end
    themselves. Without it a worker would go on serving the port alone, with no one to stop it."""
    import ctypes
    import os
    import signal

    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG (Linux); elsewhere nothing happens
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the main process went away before the tie was made
        os._exit(1)


#: the configuration and threads ``lrs serve`` chose, inherited by the workers it forks
SERVING: tuple[Config, int] | None = None


def app() -> Bridge:
    """What Granian loads in each worker (``lrs.rsgi:app``, a factory): the app of ``lrs serve``'s
    configuration (or, in a worker started afresh, of the ``LRS_*`` variables)."""
    from lrs.app import create_app
    from lrs.files import private_process

    private_process()
    if SERVING is not None:
        end_with_parent()
    config, threads = SERVING or (Config.from_env(), 4)
    # xAPI reads on SQLite are CPU only (WAL readers never wait): answered in the event loop; on MongoDB
    # a read waits on the network, so it takes a thread like everything else
    inline = config.xapi_prefix + "/" if config.store_url.startswith("sqlite:") else ""
    wsgi_app = create_app(config)
    settle()
    return Bridge(wsgi_app, threads=threads, body_timeout=config.body_timeout,
                  max_body_bytes=config.max_body_bytes, inline_prefix=inline)


def settle() -> None:
    """Once the app is built: its objects (modules, schemas, the app) live as long as the worker, so the
    garbage collector's full passes stop walking them (``gc.freeze``). A batch of statements makes
    thousands of objects that outlive a young-generation pass, so full passes come every few dozen
    POSTs; walking the app's ≈ 100,000 objects in each cost about 15 µs a statement of POST 100 on
    average (bench/profile_app.py, which settles its app the same way)."""
    gc.collect()
    gc.freeze()
