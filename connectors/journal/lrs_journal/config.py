"""Settings from a TOML file, then LRS_JOURNAL_* variables, then flags (each overriding the one before)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

ENV_PREFIX = "LRS_JOURNAL_"
#: setting name → environment variable
ENV = {
    "endpoint": "LRS_JOURNAL_ENDPOINT",
    "key": "LRS_JOURNAL_KEY",
    "secret": "LRS_JOURNAL_SECRET",
    "name": "LRS_JOURNAL_ACTOR_NAME",
    "email": "LRS_JOURNAL_ACTOR_EMAIL",
    "account_homepage": "LRS_JOURNAL_ACTOR_HOMEPAGE",
    "account_name": "LRS_JOURNAL_ACTOR_ACCOUNT",
    "iri_base": "LRS_JOURNAL_IRI_BASE",
}


class ConfigError(ValueError):
    pass


def default_path() -> Path:
    if os.environ.get("LRS_JOURNAL_CONFIG"):
        return Path(os.environ["LRS_JOURNAL_CONFIG"])
    config_home = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config_home) / "lrs-journal.toml"


@dataclass(frozen=True)
class Config:
    endpoint: str = ""
    key: str = ""
    secret: str = ""
    name: str = ""
    email: str = ""
    account_homepage: str = ""
    account_name: str = ""
    iri_base: str = ""  # where entry IRIs start; derived from the actor when empty

    @classmethod
    def load(cls, path: Path | None = None, environ=None, **flags) -> "Config":
        environ = os.environ if environ is None else environ
        path = path or default_path()
        values: dict[str, str] = {}
        if path.exists():
            with path.open("rb") as file:
                try:
                    data = tomllib.load(file)
                except tomllib.TOMLDecodeError as error:
                    raise ConfigError(f"{path}: {error}") from None
            known = {f.name for f in fields(cls)}
            unknown = set(data) - known
            if unknown:
                raise ConfigError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}; "
                                  f"known: {', '.join(sorted(known))}")
            values.update({k: str(v) for k, v in data.items()})
        values.update({name: environ[var] for name, var in ENV.items() if environ.get(var)})
        values.update({name: value for name, value in flags.items() if value})
        return cls(**values)

    def connected(self, connection) -> "Config":
        """These settings over a connection (`lrs-journal connect`): its endpoint, and its person's actor
        unless an identity of theirs is set here."""
        values = {"endpoint": self.endpoint or connection.endpoint}
        if not self.email and not (self.account_homepage and self.account_name):
            agent = connection.actor
            values["name"] = self.name or agent.get("name", "")
            if agent.get("mbox"):
                values["email"] = agent["mbox"].removeprefix("mailto:")
            else:
                values["account_homepage"] = agent["account"]["homePage"]
                values["account_name"] = agent["account"]["name"]
        return replace(self, **values)

    def check(self, connected: bool = False) -> None:
        needed = ("endpoint",) if connected else ("endpoint", "key", "secret")
        missing = [name for name in needed if not getattr(self, name)]
        if missing:
            raise ConfigError(
                "missing " + ", ".join(missing) + f": set them in {default_path()}, as "
                + ", ".join(ENV[m] for m in missing) + ", or with --" + " --".join(missing)
                + ("" if connected else "; or connect to a Learnfolio without a key: lrs-journal connect"))
        if not self.email and not (self.account_homepage and self.account_name):
            raise ConfigError("who is the actor? set email (LRS_JOURNAL_ACTOR_EMAIL) or an account "
                              "(LRS_JOURNAL_ACTOR_HOMEPAGE and LRS_JOURNAL_ACTOR_ACCOUNT)")
