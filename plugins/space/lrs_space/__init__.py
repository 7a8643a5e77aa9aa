"""The personal learning space: a person's own page over their learning records.

A first-party plugin (entry point ``space`` in the ``lrs`` group). Its pages live under
``/space/`` and use the core's web framework (``lrs.page_blueprint``, ``lrs.render``).
What other plugins may use of it is named here (a test fails when a plugin imports
anything else of it): the ways of learning and how a statement is classified, the
vocabulary of its statements, a person's records as the space reads them, and the rows
another plugin adds to "My keys" (``KeyRow``, the ``key_rows`` hook).
"""

from lrs_space.keyrows import KeyRow
from lrs_space.people import classifier, find_record, my_records, records_for
from lrs_space.records import Record, load_records
from lrs_space.vocabulary import QUOTE, TAGS, WAY
from lrs_space.ways import WAYS, classify_statement

__all__ = ["KeyRow", "QUOTE", "TAGS", "WAY", "WAYS", "Record", "classifier", "classify_statement", "find_record",
           "load_records", "my_records", "records_for"]
