"""CPD records and portability: CPD logs (CSV, PDF, professional bodies' templates), the
complete xAPI archive, import from files and other LRSs, and forwarding to another LRS.

A first-party plugin (entry points ``cpd`` and ``cpd_nursing`` in the ``lrs`` group);
see docs/cpd.md.
"""

from lrs_cpd.exporting import ExportJob
from lrs_cpd.importing import DocumentEntry, Problem, StatementEntry
from lrs_cpd.registrations import Exporter, Importer, exporters, importers

__all__ = ["DocumentEntry", "ExportJob", "Exporter", "Importer", "Problem", "StatementEntry", "exporters",
           "importers"]
