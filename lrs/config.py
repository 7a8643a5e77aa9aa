"""Settings: defaults, overridden by ``LRS_*`` environment variables, overridden by
the mapping given to :func:`lrs.app.create_app`. Nothing is read at import time."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from lrs.files import write_private


#: what ``lrs init`` settled for this site, in the data folder: the public URL it was given and the
#: homePage of people's accounts, fixed from the first start since every identity carries it
SITE_FILE = "site.json"
#: the settings the site file may hold (environment variables and ``create_app`` overrides win)
SITE_SETTINGS = {"public_url": "LRS_PUBLIC_URL", "people_home_page": "LRS_PEOPLE_HOME_PAGE"}


def read_site(home: Path) -> dict:
    path = Path(home) / SITE_FILE
    if not path.exists():
        return {}
    values = json.loads(path.read_text())
    return {k: v for k, v in values.items() if k in SITE_SETTINGS and isinstance(v, str)}


def write_site(home: Path, values: dict) -> Path:
    path = Path(home) / SITE_FILE
    write_private(path, json.dumps({k: v for k, v in values.items() if k in SITE_SETTINGS and v}, indent=2))
    return path


def default_workers() -> int:
    """``lrs serve``'s worker processes: one per CPU this process may run on, at least 2. Each
    answers xAPI reads in its event loop, so more workers than CPUs only take turns on them, and
    pay for it in switches and cold caches: on 2 CPUs, 2 workers used 10–25 % less CPU per request
    than 4, with no worse p99 at 4 and 16 clients (docs/performance.md, issue 18)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 2
    return max(2, cpus)


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _names(value: str) -> tuple[str, ...]:
    """A comma-separated setting as a tuple, blanks dropped."""
    return tuple(p.strip() for p in value.split(",") if p.strip())


@dataclass(frozen=True)
class Config:
    #: the data folder: SQLite file, secret key, attachments
    home: Path = Path("lrs-data")
    #: where statements live: ``sqlite:///path`` (default: ``LRS_HOME/lrs.sqlite3``) or ``mongodb://…``
    store: str = ""
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = field(default_factory=default_workers)
    #: the URL path prefix of the xAPI endpoint
    xapi_prefix: str = "/xapi"
    #: keys credential hashes, the space's CSRF tokens and the HMAC tags of ``more`` cursors
    #: (lrs/api/cursors.py); read from ``LRS_HOME/secret_key`` when unset. Changing it ends
    #: every cursor handed out (400) and every credential
    secret_key: str = ""
    #: largest request body accepted, in bytes (413 above it)
    max_body_bytes: int = 10 * 1024 * 1024
    #: the version named in responses to requests that name none (which are refused):
    #: 2.0.0, the current standard; 1.0.3 for deployments whose clients are all 1.0.x
    default_xapi_version: str = "2.0.0"
    #: SQLite's synchronous setting: FULL syncs every commit to disk (survives power loss);
    #: NORMAL syncs at checkpoints only (survives a crash of the LRS, not of the machine)
    sqlite_synchronous: str = "FULL"
    #: bytes of the SQLite file read through a memory map (``PRAGMA mmap_size``); 0: read() calls
    sqlite_mmap_bytes: int = 0
    #: largest attachment part accepted, in bytes (413 above it)
    max_attachment_bytes: int = 10 * 1024 * 1024
    #: most statements accepted in one POST
    max_batch: int = 1000
    #: the ``limit`` used when a query gives none, and the most a query may ask for
    default_limit: int = 100
    max_limit: int = 1000
    #: requests a second each credential may make (per worker process); 0: no limit
    rate_limit: float = 0
    #: requests a credential may save up and send at once (default: twice the rate)
    rate_burst: int = 0
    #: seconds a client has to send a request's headers / its body before the connection is closed
    header_timeout: float = 10
    body_timeout: float = 60
    #: one JSON line per request: "" none, "-" to stderr, or a file to append to
    request_log: str = ""
    #: serve /metrics without credentials (otherwise it needs a credential with scope ``all``)
    metrics_public: bool = False
    #: the homePage of the xAPI account every person gets at sign-up (their first identity); ``lrs init``
    #: derives it from the site's address once (``LRS_HOME/site.json``), since identities keep it for ever
    people_home_page: str = "https://learnfolio.example/people"
    #: the homePage of the anonymous accounts that replace an erased person's identifiers
    erased_home_page: str = "https://learnfolio.example/erased"
    #: who may create an account in the personal learning space: off, invite (an admin's link), open
    signup: str = "invite"
    #: whether people may sign in (and sign up, and reset) with a password; an installation whose
    #: people all sign in through its identity provider turns them off (``LRS_PASSWORDS=off``)
    passwords: bool = True
    #: where the space sends mail (address verification): smtp://host:port, empty for no mail
    smtp_url: str = ""
    mail_from: str = "learnfolio@localhost"
    #: send session cookies only over HTTPS (turn on behind TLS)
    secure_cookies: bool = False
    #: requests to addresses people give (another LRS to import from or forward to) may reach only
    #: the public internet; these hosts, host:port pairs or networks (CIDR) are admitted besides,
    #: for an organisation's own LRS on its network (docs/security.md, rule 5)
    outbound_allow: tuple[str, ...] = ()
    #: the largest answer read from such an address, in bytes
    outbound_max_bytes: int = 50 * 1024 * 1024
    #: seconds to connect to such an address, and to wait for each part of its answer
    outbound_timeout: float = 30
    #: seconds one request to such an address may take in all, its answer included
    outbound_deadline: float = 300
    #: a file of CA certificates that https addresses are verified with instead of the default
    #: bundle, for an allowed internal LRS whose certificate an organisation's own CA signed
    outbound_ca_bundle: str = ""
    #: the origin people reach the LRS at (``https://lrs.example.org``): links in mail and invitations
    #: are made on it, never on a request's Host header; empty: ``http://{host}:{port}``
    public_url: str = ""
    #: where people read Learnfolio's guides (the welcome page at ``/`` links to it); empty: the
    #: page names the docs/ folder of the source and links to the API description it serves
    docs_url: str = ""
    #: reverse proxies in front of the LRS whose X-Forwarded-For and X-Forwarded-Proto are trusted
    #: (each proxy appends one address); 0: none, the client address is the socket's peer
    proxy_hops: int = 0
    #: days a refused statement request is kept for its credential's owner to fix and send again
    #: (lrs/rejected.py; docs/security.md); 0: none is kept
    rejected_days: int = 14
    #: the largest body kept of one refused request, in bytes; of a larger one only its statements part
    #: (multipart) or nothing but its size and SHA-256 is kept
    rejected_max_bytes: int = 1024 * 1024
    #: refused requests kept per credential; the oldest go first
    rejected_per_credential: int = 100
    #: refused requests kept in all, and their bodies' total size in bytes; the oldest go first
    rejected_total: int = 10_000
    rejected_total_bytes: int = 256 * 1024 * 1024
    #: statements that name a loaded xAPI Profile in their category context activities are checked
    #: against it (docs/profiles.md): ``report`` (stored, findings kept), ``enforce`` (refused when
    #: they do not follow it) or ``off``; what a credential is assigned is checked in its own mode
    profile_claims: str = "report"
    #: plugin names (as registered) not to load, built-ins included
    disable_plugins: tuple[str, ...] = ()
    #: when set, only these entry-point plugins are loaded (built-ins always load unless disabled)
    load_plugins: tuple[str, ...] | None = None
    #: 0: ``lrs serve`` keeps no connection open after its answer; otherwise keep-alive (an idle connection
    #: is closed after ``header_timeout``, a busy one after 10 s of use: lrs/rsgi.py)
    keepalive: int = 2
    #: the HTTP server's access log: "" none, "-" stderr, or a file
    access_log: str = ""
    #: where the workers of ``lrs serve`` keep their metrics (set by ``lrs serve`` itself)
    metrics_dir: str = ""
    extra: dict = field(default_factory=dict)
    #: every ``LRS_*`` variable of the environment as it was read, for plugins' settings
    environ: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_env(cls, overrides: dict | None = None) -> "Config":
        env = os.environ
        load = env.get("LRS_LOAD_PLUGINS")
        config = cls(
            home=Path(env.get("LRS_HOME", "lrs-data")),
            store=env.get("LRS_STORE", ""),
            host=env.get("LRS_HOST", "127.0.0.1"),
            port=_int("LRS_PORT", 8080),
            workers=_int("LRS_WORKERS", default_workers()),
            secret_key=env.get("LRS_SECRET_KEY", ""),
            max_body_bytes=_int("LRS_MAX_BODY_BYTES", cls.max_body_bytes),
            max_batch=_int("LRS_MAX_BATCH", cls.max_batch),
            sqlite_synchronous=env.get("LRS_SQLITE_SYNCHRONOUS", cls.sqlite_synchronous).upper(),
            sqlite_mmap_bytes=_int("LRS_SQLITE_MMAP", cls.sqlite_mmap_bytes),
            default_xapi_version=env.get("LRS_DEFAULT_XAPI_VERSION", cls.default_xapi_version),
            max_attachment_bytes=_int("LRS_MAX_ATTACHMENT_BYTES", cls.max_attachment_bytes),
            default_limit=_int("LRS_DEFAULT_LIMIT", cls.default_limit),
            max_limit=_int("LRS_MAX_LIMIT", cls.max_limit),
            rate_limit=float(env.get("LRS_RATE_LIMIT") or cls.rate_limit),
            rate_burst=_int("LRS_RATE_BURST", cls.rate_burst),
            header_timeout=float(env.get("LRS_HEADER_TIMEOUT") or cls.header_timeout),
            body_timeout=float(env.get("LRS_BODY_TIMEOUT") or cls.body_timeout),
            request_log=env.get("LRS_REQUEST_LOG", cls.request_log),
            metrics_public=env.get("LRS_METRICS_PUBLIC", "").lower() in ("1", "true", "yes"),
            people_home_page=env.get("LRS_PEOPLE_HOME_PAGE", cls.people_home_page),
            erased_home_page=env.get("LRS_ERASED_HOME_PAGE", cls.erased_home_page),
            signup=env.get("LRS_SIGNUP", cls.signup),
            passwords=env.get("LRS_PASSWORDS", "on").lower() not in ("off", "0", "false", "no"),
            smtp_url=env.get("LRS_SMTP_URL", ""),
            mail_from=env.get("LRS_MAIL_FROM", cls.mail_from),
            secure_cookies=env.get("LRS_SECURE_COOKIES", "") in ("1", "true", "yes"),
            public_url=env.get("LRS_PUBLIC_URL", ""),
            docs_url=env.get("LRS_DOCS_URL", ""),
            proxy_hops=_int("LRS_PROXY_HOPS", cls.proxy_hops),
            outbound_allow=_names(env.get("LRS_OUTBOUND_ALLOW", "")),
            outbound_max_bytes=_int("LRS_OUTBOUND_MAX_BYTES", cls.outbound_max_bytes),
            outbound_timeout=float(env.get("LRS_OUTBOUND_TIMEOUT") or cls.outbound_timeout),
            outbound_deadline=float(env.get("LRS_OUTBOUND_DEADLINE") or cls.outbound_deadline),
            outbound_ca_bundle=env.get("LRS_OUTBOUND_CA_BUNDLE", ""),
            rejected_days=_int("LRS_REJECTED_DAYS", cls.rejected_days),
            rejected_max_bytes=_int("LRS_REJECTED_MAX_BYTES", cls.rejected_max_bytes),
            rejected_per_credential=_int("LRS_REJECTED_PER_CREDENTIAL", cls.rejected_per_credential),
            rejected_total=_int("LRS_REJECTED_TOTAL", cls.rejected_total),
            rejected_total_bytes=_int("LRS_REJECTED_TOTAL_BYTES", cls.rejected_total_bytes),
            profile_claims=env.get("LRS_PROFILE_CLAIMS", cls.profile_claims).lower(),
            disable_plugins=_names(env.get("LRS_DISABLE_PLUGINS", "")),
            load_plugins=None if load is None else tuple(p.strip() for p in load.split(",") if p.strip()),
            keepalive=_int("LRS_KEEPALIVE", cls.keepalive),
            access_log=env.get("LRS_ACCESS_LOG", ""),
            metrics_dir=env.get("PROMETHEUS_MULTIPROC_DIR", ""),
            environ={k: v for k, v in env.items() if k.startswith("LRS_")},
        )
        if overrides:
            known = {f.name for f in fields(cls)}
            extra = {k: v for k, v in overrides.items() if k not in known}
            config = replace(config, **{k: v for k, v in overrides.items() if k in known})
            if extra:
                config = replace(config, extra={**config.extra, **extra})
        site = read_site(config.home)
        settled = {name: site[name] for name, variable in SITE_SETTINGS.items()
                   if name in site and variable not in env and name not in (overrides or {})}
        if settled:
            config = replace(config, **settled)
        if isinstance(config.outbound_allow, str):
            config = replace(config, outbound_allow=_names(config.outbound_allow))
        if not isinstance(config.home, Path):
            config = replace(config, home=Path(config.home))
        return config

    @property
    def public_origin(self) -> str:
        """Where links handed to people point: ``LRS_PUBLIC_URL``, else the address ``lrs serve`` listens on."""
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"

    def check_public_url(self) -> None:
        """Refuse at start-up a public URL that is not an http(s) origin (a link on it would be wrong)."""
        if not self.public_url:
            return
        parts = urlsplit(self.public_url)
        if (parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/")
                or parts.query or parts.fragment or parts.username is not None):
            raise ValueError(f"LRS_PUBLIC_URL must be an origin such as https://lrs.example.org, not "
                             f"{self.public_url!r}")

    def plugin_config(self, name: str, defaults: dict | None = None) -> dict[str, str]:
        """A plugin's settings: ``defaults`` (the plugin documents them), overridden by ``LRS_<NAME>_<KEY>``
        environment variables, overridden by ``<name>_<key>`` in the mapping given to ``create_app``.

        ``plugin_config("forward")`` reads ``LRS_FORWARD_INTERVAL`` as ``{"interval": …}``; values
        from the environment are strings, the plugin converts them.
        """
        prefix, key_prefix = f"LRS_{name.upper()}_", f"{name.lower()}_"
        values = dict(defaults or {})
        values.update({k[len(prefix):].lower(): v for k, v in self.environ.items() if k.startswith(prefix)})
        values.update({k[len(key_prefix):]: v for k, v in self.extra.items() if k.startswith(key_prefix)})
        return values

    @property
    def store_url(self) -> str:
        return self.store or f"sqlite:///{(self.home / 'lrs.sqlite3').resolve()}"

    def resolved_secret_key(self) -> str:
        """The configured key, or the one kept in the data folder (made on first use)."""
        if self.secret_key:
            return self.secret_key
        path = self.home / "secret_key"
        if not path.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            write_private(tmp, secrets.token_urlsafe(48))
            try:
                os.link(tmp, path)  # atomic: two workers starting at once agree on one key
            except FileExistsError:
                pass
            tmp.unlink(missing_ok=True)
        return path.read_text().strip()
