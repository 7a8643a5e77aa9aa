"""Requests to addresses people give, through one guard (docs/security.md, rule 5).

Importing from another LRS and forwarding to one send requests to an address a person
typed. Without a guard that makes the server a scanner of its own network: loopback
services, the cloud metadata address, private hosts. Every such request goes through
:class:`Guard`, which

- resolves the host once, checks every address it resolves to, and connects to a checked
  address (no second lookup, so no DNS-rebinding window); TLS still verifies the host name;
- refuses addresses outside the public internet (:func:`classify`) unless the operator's
  ``LRS_OUTBOUND_ALLOW`` names them;
- follows no redirect, reads at most ``LRS_OUTBOUND_MAX_BYTES`` of an answer and stops a
  request after ``LRS_OUTBOUND_DEADLINE`` seconds;
- reports failures in its own words (status code and reason), never the other server's text.

Written here rather than taken from a library: ``advocate`` is unmaintained (last release
2020), and ``requests-hardened`` allows loopback or nothing, with no allow-list of hosts or
networks, no size cap and no total deadline.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Iterable, Union
from urllib.parse import urlsplit

import orjson
import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.connection import create_connection

from lrs.errors import BlockedAddress, OutboundError

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

ALLOW_SETTING = "LRS_OUTBOUND_ALLOW"
_CHUNK = 64 * 1024

#: ranges the ``ipaddress`` module of older Pythons counts as global (CPython issue 113171)
#: or that lead to relays rather than to one host
_NOT_PUBLIC = (
    (ipaddress.ip_network("192.0.0.0/24"), "an IETF protocol address"),
    (ipaddress.ip_network("192.88.99.0/24"), "a 6to4 relay address"),
    (ipaddress.ip_network("64:ff9b:1::/48"), "a local-use NAT64 address"),
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


# -- which addresses are public ----------------------------------------------------------------


def classify(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public internet address ("a loopback address" …), or ``None`` when it is.

    An IPv6 address that carries an IPv4 one (IPv4-mapped, NAT64, 6to4) is judged by that
    IPv4 address, since that is where a connection to it ends up.
    """
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.version == 6:
        embedded, form = _embedded_ipv4(ip)
        if embedded is not None:
            inner = classify(embedded)
            return f"{form} of {embedded}, {inner}" if inner else None
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.version == 4 and ip in ipaddress.ip_network("100.64.0.0/10"):
        return "a shared (carrier-grade NAT) address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved:
        return "a reserved address"
    if ip.version == 6 and ip.is_site_local:
        return "a site-local address"
    for network, reason in _NOT_PUBLIC:
        if ip in network:
            return reason
    if not ip.is_global:
        return "an address outside the public internet"
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address | None, str]:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped, "an IPv4-mapped form"
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF), "a NAT64 form"
    if ip.sixtofour is not None:
        return ip.sixtofour, "a 6to4 form"
    return None, ""


def _ip(text: str) -> IPAddress | None:
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    return ip


def _plain(ip: IPAddress) -> IPAddress:
    """The IPv4 address behind an IPv4-mapped IPv6 one, so an allow-list entry matches both forms."""
    return ip.ipv4_mapped if ip.version == 6 and ip.ipv4_mapped is not None else ip


# -- the operator's allow-list -------------------------------------------------------------------

_HOSTNAME = re.compile(r"(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")


@dataclass(frozen=True)
class AllowEntry:
    """One entry of ``LRS_OUTBOUND_ALLOW``: a host name or a network, on any port or on one."""

    host: str | None = None
    network: IPNetwork | None = None
    port: int | None = None

    def admits(self, host: str, ip: IPAddress | None, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.host is not None:
            return self.host == host
        return ip is not None and _plain(ip) in self.network


def _port(text: str, entry: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"{ALLOW_SETTING}: the port in {entry!r} is not a number from 1 to 65535")
    return int(text)


def parse_entry(entry: str) -> AllowEntry:
    """``lrs.internal``, ``lrs.internal:8443``, ``10.0.0.0/8``, ``127.0.0.1:8123``, ``[::1]:8123``."""
    text = entry.strip().lower()
    bracketed = re.fullmatch(r"\[([^\]]+)\](?::(.*))?", text)
    if bracketed:
        address, port = bracketed.group(1), bracketed.group(2)
    elif text.count(":") == 1:
        address, port = text.split(":")
    else:
        address, port = text, None
    try:
        network = ipaddress.ip_network(_plain_text(address), strict=False)
    except ValueError:
        network = None
    if network is None and not (_HOSTNAME.fullmatch(address.rstrip(".")) and not bracketed):
        raise ValueError(f"{ALLOW_SETTING}: {entry.strip()!r} is not a host, host:port or network (CIDR)")
    return AllowEntry(host=None if network else address.rstrip("."), network=network,
                      port=None if port is None else _port(port, entry.strip()))


def _plain_text(address: str) -> str:
    ip = _ip(address)
    return str(_plain(ip)) if ip is not None else address


@dataclass(frozen=True)
class AllowList:
    entries: tuple[AllowEntry, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str] | str) -> "AllowList":
        if isinstance(entries, str):
            entries = entries.split(",")
        return cls(tuple(parse_entry(e) for e in entries if e.strip()))

    def admits(self, host: str, ip: IPAddress | None, port: int) -> bool:
        return any(entry.admits(host, ip, port) for entry in self.entries)


# -- answers ----------------------------------------------------------------------------------------


def status_text(code: int) -> str:
    """``401 Unauthorized``: the code with the standard's reason, never the other server's."""
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


def _size(count: int) -> str:
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if count >= factor and count % factor == 0:
            return f"{count // factor} {unit}"
    return f"{count} bytes"


@dataclass
class Answer:
    """What another server answered, read in full within the guard's limits."""

    status_code: int
    headers: CaseInsensitiveDict
    content: bytes
    url: str

    def json(self):
        return orjson.loads(self.content)


# -- the guard ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Guard:
    """Sends requests to addresses people give; see the module's docstring for what it refuses."""

    allow: AllowList = field(default_factory=AllowList)
    max_bytes: int = 50 * 1024 * 1024
    timeout: float = 30        # to connect, and for each read
    deadline: float = 300      # for a whole request, its answer included
    ca_bundle: str = ""        # CA certificates to verify https with, instead of the default bundle

    @classmethod
    def of(cls, config) -> "Guard":
        return cls(allow=AllowList.parse(config.outbound_allow), max_bytes=int(config.outbound_max_bytes),
                   timeout=float(config.outbound_timeout), deadline=float(config.outbound_deadline),
                   ca_bundle=config.outbound_ca_bundle)

    # checking addresses

    def check(self, host: str, port: int, addresses: Iterable[IPAddress]) -> None:
        """Refuse when any address of ``host`` is not public and the allow-list does not admit it."""
        host = _host(host)
        if self.allow.admits(host, None, port):
            return
        literal = _ip(host) is not None
        for ip in addresses:
            if self.allow.admits(host, ip, port):
                continue
            reason = classify(ip)
            if reason:
                said = f"{host} is {reason}" if literal else f"{host} resolves to {reason}"
                raise BlockedAddress(f"{said}; an operator can allow it with {ALLOW_SETTING}")

    def resolve(self, host: str, port: int) -> list[IPAddress]:
        """Every address of ``host``, checked: the only addresses a connection may then use."""
        host = _host(host)
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise OutboundError(f"could not find the host {host}") from None
        addresses: list[IPAddress] = []
        for family, _, _, _, sockaddr in found:
            ip = _ip(str(sockaddr[0])) if family in (socket.AF_INET, socket.AF_INET6) else None
            if ip is not None and ip not in addresses:
                addresses.append(ip)
        if not addresses:
            raise OutboundError(f"could not find the host {host}")
        self.check(host, port, addresses)
        return addresses

    def check_url(self, url: str) -> None:
        """Early word for a form: refuse an address that is not http(s) or resolves to a refused one now.

        A host that cannot be resolved yet passes: each request checks again when it is sent.
        """
        _, host, port = _target(url)
        try:
            self.resolve(host, port)
        except BlockedAddress:
            raise
        except OutboundError:
            pass

    # sending

    def get(self, url: str, **kwargs) -> Answer:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs) -> Answer:
        return self.request("POST", url, **kwargs)

    def request(self, method: str, url: str, *, params=None, data=None, auth=None, headers=None) -> Answer:
        """One request, no redirects followed; the answer read whole within the limits, whatever its status."""
        _, host, port = _target(url)
        where = host if ":" not in host else f"[{host}]"
        where = f"{where}:{port}"
        with _Call(self) as call, requests.Session() as session:
            session.trust_env = False  # proxies and .netrc from the environment would bypass the guard
            adapter = _Adapter(call)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            try:
                response = session.request(method, url, params=params, data=data, auth=auth, headers=headers,
                                           timeout=(self.timeout, self.timeout), allow_redirects=False, stream=True,
                                           verify=self.ca_bundle or True)
                with response:
                    if 300 <= response.status_code < 400:
                        raise OutboundError(
                            f"{where} answered {status_text(response.status_code)}, a redirect; redirects are not"
                            " followed, so give the address of the LRS itself", retryable=False)
                    content = self._read(response, where)
            except requests.RequestException as error:
                if call.expired:
                    raise call.too_slow(where) from None
                raise self._failure(error, where) from None
            except OutboundError:
                if call.expired:
                    raise call.too_slow(where) from None
                raise
            if call.expired:  # an answer without a length cut short at the deadline looks complete
                raise call.too_slow(where)
        return Answer(response.status_code, response.headers, content, url)

    def _read(self, response: requests.Response, where: str) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_large(where)
        chunks, size = [], 0
        for chunk in response.iter_content(_CHUNK):  # decoded: a compressed bomb counts at full size
            size += len(chunk)
            if size > self.max_bytes:
                raise self._too_large(where)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, where: str) -> OutboundError:
        return OutboundError(f"the answer was larger than {_size(self.max_bytes)}; stopped reading from {where}"
                             " (an operator can raise LRS_OUTBOUND_MAX_BYTES)", retryable=False)

    def _failure(self, error: requests.RequestException, where: str) -> OutboundError:
        if isinstance(error, requests.ConnectTimeout):
            return OutboundError(f"could not connect to {where} within {self.timeout:g} s")
        if isinstance(error, requests.ReadTimeout):
            return OutboundError(f"{where} did not answer within {self.timeout:g} s")
        if isinstance(error, requests.exceptions.SSLError):
            return OutboundError(f"could not verify the TLS certificate of {where}")
        if isinstance(error, requests.ConnectionError):
            return OutboundError(f"could not connect to {where}")
        return OutboundError(f"the request to {where} failed ({type(error).__name__})")


def _host(host: str) -> str:
    return host.strip("[]").rstrip(".").lower()


def _target(url: str) -> tuple[str, str, int]:
    """The scheme, host and port of ``url``; only http and https with a host are accepted."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise OutboundError(f"{url!r} is not an address like https://lrs.example.org/xapi/",
                            retryable=False) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise OutboundError(f"only http and https addresses can be used, not {scheme or 'none'}: {url!r}",
                            retryable=False)
    if not parts.hostname:
        raise OutboundError(f"{url!r} names no host", retryable=False)
    return scheme, _host(parts.hostname), port or (443 if scheme == "https" else 80)


# -- one request's connections ------------------------------------------------------------------


class _Call:
    """The connections of one request, and its deadline: at the deadline they are shut down."""

    def __init__(self, guard: Guard):
        self.guard = guard
        self.expired = False
        self.lock = threading.Lock()
        self.sockets: list[tuple[HTTPConnection, socket.socket]] = []
        self.timer = threading.Timer(guard.deadline, self._expire)
        self.timer.daemon = True

    def __enter__(self) -> "_Call":
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.timer.cancel()

    def _expire(self) -> None:
        with self.lock:
            self.expired = True
            for connection, raw in self.sockets:
                for sock in (getattr(connection, "sock", None), raw):
                    try:
                        if sock is not None:
                            sock.shutdown(socket.SHUT_RDWR)
                    except OSError:  # closed already, or handed over to TLS
                        pass

    def too_slow(self, where: str) -> OutboundError:
        return OutboundError(f"{where} did not finish answering within {self.guard.deadline:g} s; stopped")

    def connect(self, connection: HTTPConnection) -> socket.socket:
        """Resolve and check once, then connect to a checked address: the name is never looked up again."""
        if self.expired:
            raise self.too_slow(connection.host)
        addresses = self.guard.resolve(connection.host, connection.port)
        failure: Exception | None = None
        for ip in addresses:
            try:
                sock = create_connection((str(ip), connection.port), connection.timeout,
                                         source_address=connection.source_address,
                                         socket_options=connection.socket_options)
            except socket.timeout:
                failure = ConnectTimeoutError(connection, f"connection to {connection.host} timed out")
            except OSError as error:
                failure = NewConnectionError(connection, f"could not connect: {error}")
            else:
                with self.lock:
                    self.sockets.append((connection, sock))
                    if self.expired:
                        sock.close()
                        raise self.too_slow(connection.host)
                return sock
        raise failure


class _GuardedHTTP(HTTPConnection):
    call: _Call

    def _new_conn(self) -> socket.socket:
        return self.call.connect(self)


class _GuardedHTTPS(HTTPSConnection):
    call: _Call

    def _new_conn(self) -> socket.socket:
        return self.call.connect(self)


class _Adapter(HTTPAdapter):
    """requests' adapter whose connections go through one call's checks; no retries."""

    def __init__(self, call: _Call):
        self.call = call
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        http = type("GuardedHTTPConnection", (_GuardedHTTP,), {"call": self.call})
        https = type("GuardedHTTPSConnection", (_GuardedHTTPS,), {"call": self.call})
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
        }

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        raise OutboundError("requests to addresses people give do not go through a proxy", retryable=False)
