"""A lean HTTP/1.1 keep-alive client on asyncio streams, so that the load generator
costs little CPU next to the server it measures. Loopback only."""

from __future__ import annotations

import asyncio
import base64


class Connection:
    def __init__(self, host: str, port: int, auth: tuple[str, str] | None, version: str = "1.0.3"):
        self.host, self.port = host, port
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode() if auth else None
        self.base_headers = (f"Host: {host}:{port}\r\nX-Experience-API-Version: {version}\r\n"
                             + (f"Authorization: Basic {token}\r\n" if token else "")).encode()
        self.reader = self.writer = None

    async def open(self):
        if host_is_loopback(self.host) is False:
            raise ValueError("the load generator only talks to loopback addresses")
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method: str, path: str, body: bytes = b"", content_type: str = "application/json",
                      headers: dict | None = None) -> tuple[int, dict, bytes]:
        if self.writer is None:
            await self.open()
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items()).encode()
        head = (f"{method} {path} HTTP/1.1\r\n".encode() + self.base_headers + extra
                + (f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n".encode() if body or method
                   in ("POST", "PUT") else b"") + b"\r\n")
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed")
        status = int(status_line.split(b" ", 2)[1])
        response_headers = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            response_headers[name.strip().lower()] = value.strip()
        length = int(response_headers.get("content-length", 0))
        data = await self.reader.readexactly(length) if length else b""
        if response_headers.get("connection", "").lower() == "close":
            self.writer.close()
            self.writer = None
        return status, response_headers, data

    def close(self):
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def host_is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")
