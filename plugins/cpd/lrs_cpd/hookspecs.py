"""The hooks CPD calls: declared here, by the plugin that calls them (``add_hookspecs``)."""

from __future__ import annotations

from lrs import hookspec


@hookspec
def register_exporters() -> "list | None":
    """Return the formats a person's records can be exported in.

    Called when the CPD panel or ``lrs export`` lists or runs formats (CSV, PDF,
    an xAPI archive, a professional body's log …). Two exporters with one name
    are an error.

    :returns: a list of :class:`lrs_cpd.Exporter`.
    """


@hookspec
def register_importers() -> "list | None":
    """Return the formats statements can be imported from.

    Called when the import page or ``lrs import`` reads a file: the importer
    named by the person (or the first whose ``accepts`` answers true for the
    file's first bytes) turns it into statements, attachments and documents.
    Two importers with one name are an error.

    :returns: a list of :class:`lrs_cpd.Importer`.
    """
