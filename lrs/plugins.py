"""The plugin manager: built-in features are plugins too, listed in DEFAULT_PLUGINS; and the
small typed objects the core's registration hooks return.

Third-party and first-party plugins register in the ``lrs`` entry-point group.
``LRS_DISABLE_PLUGINS`` blocks any of them by name; ``LRS_LOAD_PLUGINS``
restricts which entry-point plugins load.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Callable

import pluggy

from lrs import hookspecs

DEFAULT_PLUGINS = (
    "lrs.store.sqlite",
    "lrs.store.mongo",
    "lrs.auth.basic",
    "lrs.api",
    "lrs.ratelimit",
    "lrs.observability",
    "lrs.profiles",
)

ENTRY_POINT_GROUP = "lrs"


@dataclass(frozen=True)
class StoreBackend:
    """A storage backend: ``factory(url, config)`` opens a :class:`lrs.store.base.Store`."""

    name: str
    factory: Callable[..., Any]


@dataclass(frozen=True)
class Panel:
    """A page of a plugin's: a link in the navigation of every page (:func:`lrs.render`).

    ``endpoint`` is a Flask endpoint (``"blueprint.view"``); lower ``order`` comes first.
    """

    name: str
    title: str
    endpoint: str
    order: int = 100


@dataclass(frozen=True)
class Reader:
    """Something that can read every person's statements, as a person's Sharing page lists it.

    ``name`` is what the operator called it, ``kind`` what it is ("forwarding to another
    LRS"), ``detail`` where the statements go or what it reads; never a secret.
    """

    name: str
    kind: str
    detail: str = ""


@dataclass(frozen=True)
class SignInProvider:
    """A way to sign in besides passwords: an organisation's identity provider (OpenID Connect,
    SAML …), a button on the sign-in page.

    ``start(next, invite)`` returns the response that begins it (a redirect to the provider), after
    keeping what it needs back with :func:`lrs.begin_sign_in`; the plugin's own page that receives the
    provider's answer checks it and ends with :func:`lrs.complete_sign_in`. ``just_in_time``: a first
    sign-in makes an account; otherwise it needs an invitation.
    """

    name: str
    title: str
    start: Callable[..., Any]
    just_in_time: bool = False


class DuplicateRegistration(RuntimeError):
    """Two plugins registered the same name."""


def get_plugin_manager(config=None, extra_plugins=()) -> pluggy.PluginManager:
    """A new plugin manager for one application (tests build their own)."""
    disabled = set(getattr(config, "disable_plugins", ()) or ())
    only = getattr(config, "load_plugins", None)
    pm = pluggy.PluginManager("lrs")
    pm.add_hookspecs(hookspecs)
    for name in disabled:
        pm.set_blocked(name)
    for name in DEFAULT_PLUGINS:
        if name not in disabled:
            pm.register(importlib.import_module(name), name=name)
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in disabled or (only is not None and ep.name not in only):
            continue
        if pm.get_plugin(ep.name) is None and not pm.is_blocked(ep.name):
            pm.register(ep.load(), name=ep.name)
    for plugin in extra_plugins:
        pm.register(plugin)
    pm.hook.add_hookspecs(pm=pm)  # each plugin declares the hooks it calls itself
    pm.check_pending()
    return pm


def store_backends(pm: pluggy.PluginManager) -> dict[str, StoreBackend]:
    """Every registered backend by name; a duplicate name is an error."""
    return named_registrations(pm.hook.register_stores(), "a store")


def named_registrations(results, what: str) -> dict:
    """The objects registration hooks returned (lists of things with a ``name``), by name.

    A name registered twice is an error at start-up (:class:`DuplicateRegistration`);
    ``what`` names the kind in the message ("an exporter").
    """
    found: dict = {}
    for result in results:
        for thing in result or ():
            if thing.name in found:
                raise DuplicateRegistration(f"two plugins register {what} named {thing.name!r}")
            found[thing.name] = thing
    return found


def store_wide_readers(lrs) -> list[Reader]:
    """What every plugin lists as able to read every person's statements."""
    return [reader for result in lrs.pm.hook.store_wide_readers(store=lrs.store, lrs=lrs) for reader in result or ()]


def list_plugins(pm: pluggy.PluginManager) -> list[dict]:
    """Loaded plugins and the hooks each implements, for ``lrs plugins``."""
    out = []
    for plugin in pm.get_plugins():
        name = pm.get_name(plugin)
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or ())
        out.append({"name": name, "hooks": hooks})
    return sorted(out, key=lambda p: p["name"])
