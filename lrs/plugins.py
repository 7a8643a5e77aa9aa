"""The plugin manager: built-in features are plugins too, listed in DEFAULT_PLUGINS.

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
)

ENTRY_POINT_GROUP = "lrs"


@dataclass(frozen=True)
class StoreBackend:
    """A storage backend: ``factory(url, config)`` opens a :class:`lrs.store.base.Store`."""

    name: str
    factory: Callable[..., Any]


@dataclass(frozen=True)
class Panel:
    """A page of the personal learning space: a link in its navigation.

    ``endpoint`` is a Flask endpoint (``"blueprint.view"``); lower ``order`` comes first.
    """

    name: str
    title: str
    endpoint: str
    order: int = 100


@dataclass(frozen=True)
class Exporter:
    """A format a person's records export to.

    ``write(job, out)`` writes the export of ``job`` (an object with the store, the
    person, the period and their records; see ``lrs_cpd.exporting.ExportJob``) to the
    binary file ``out``.
    """

    name: str
    title: str
    media_type: str
    extension: str
    write: Callable[..., None]
    #: a line for the download button and ``lrs export --help``
    description: str = ""


@dataclass(frozen=True)
class Importer:
    """A format statements are imported from.

    ``read(stream)`` yields entries (``lrs_cpd.importing.Entry``: a statement with its
    attachment bodies, a document, or a problem at one position) from the binary file
    ``stream``; ``accepts(head)`` says whether a file starting with ``head`` is of this
    format (used when the person does not name one).
    """

    name: str
    title: str
    read: Callable[..., Any]
    accepts: Callable[[bytes], bool] = lambda head: False
    description: str = ""


@dataclass(frozen=True)
class Reader:
    """Something that can read every person's statements, as a person's Sharing page lists it.

    ``name`` is what the operator called it, ``kind`` what it is ("forwarding to another
    LRS"), ``detail`` where the statements go or what it reads; never a secret.
    """

    name: str
    kind: str
    detail: str = ""


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
    pm.check_pending()
    return pm


def store_backends(pm: pluggy.PluginManager) -> dict[str, StoreBackend]:
    """Every registered backend by name; a duplicate name is an error."""
    return _named(pm.hook.register_stores(), "a store")


def panels(pm: pluggy.PluginManager) -> list[Panel]:
    """Every registered panel in navigation order; a duplicate name is an error."""
    return sorted(_named(pm.hook.register_panels(), "a panel").values(), key=lambda p: (p.order, p.name))


def _named(results, what: str) -> dict:
    found: dict = {}
    for result in results:
        for thing in result or ():
            if thing.name in found:
                raise DuplicateRegistration(f"two plugins register {what} named {thing.name!r}")
            found[thing.name] = thing
    return found


def exporters(pm: pluggy.PluginManager) -> dict[str, Exporter]:
    """Every registered export format by name; a duplicate name is an error."""
    return _named(pm.hook.register_exporters(), "an exporter")


def importers(pm: pluggy.PluginManager) -> dict[str, Importer]:
    """Every registered import format by name; a duplicate name is an error."""
    return _named(pm.hook.register_importers(), "an importer")


def store_wide_readers(pm: pluggy.PluginManager, store) -> list[Reader]:
    """What every plugin lists as able to read every person's statements."""
    return [reader for result in pm.hook.store_wide_readers(store=store) for reader in result or ()]


def list_plugins(pm: pluggy.PluginManager) -> list[dict]:
    """Loaded plugins and the hooks each implements, for ``lrs plugins``."""
    out = []
    for plugin in pm.get_plugins():
        name = pm.get_name(plugin)
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or ())
        out.append({"name": name, "hooks": hooks})
    return sorted(out, key=lambda p: p["name"])
