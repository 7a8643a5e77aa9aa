"""What plugins register with CPD's hooks (lrs_cpd.hookspecs): export and import formats.

Each is a small typed object with a ``name``; two with one name are an error at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from lrs import named_registrations


@dataclass(frozen=True)
class Exporter:
    """A format a person's records export to.

    ``write(job, out)`` writes the export of ``job`` (an :class:`lrs_cpd.ExportJob`: the
    store, the person and their access, the period, and their records) to the binary file ``out``.
    """

    name: str
    title: str
    media_type: str
    extension: str
    write: Callable[..., None]
    #: a line for the download button and ``lrs export --help``
    description: str = ""
    #: a professional body's template (nursing revalidation …): offered only to people who turn it on
    template: bool = False
    #: the period its download covers unless the person chooses one (``year``, ``three-years``, ``all``)
    period: str | None = None


@dataclass(frozen=True)
class Importer:
    """A format statements are imported from.

    ``read(stream)`` yields entries (:class:`lrs_cpd.importing.Entry`: a statement with its
    attachment bodies, a document, or a problem at one position) from the binary file
    ``stream``; ``accepts(head)`` says whether a file starting with ``head`` is of this
    format (used when the person does not name one).
    """

    name: str
    title: str
    read: Callable[..., Any]
    accepts: Callable[[bytes], bool] = lambda head: False
    description: str = ""


def exporters(pm) -> dict[str, Exporter]:
    """Every registered export format by name; a duplicate name is an error."""
    return named_registrations(pm.hook.register_exporters(), "an exporter")


def importers(pm) -> dict[str, Importer]:
    """Every registered import format by name; a duplicate name is an error."""
    return named_registrations(pm.hook.register_importers(), "an importer")
