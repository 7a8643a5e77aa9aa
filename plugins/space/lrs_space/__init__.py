"""The personal learning space: a person's own page over their learning records.

A first-party plugin (entry point ``space`` in the ``lrs`` group). Its pages live under
``/space/`` and use the core's web framework (``lrs.page_blueprint``, ``lrs.render``).
What other plugins may use of it is named here (a test fails when a plugin imports
anything else of it): the ways of learning and how a statement is classified, the
vocabulary of its statements, a person's records as the space reads them, the person's
annotations of their records (one correction model for every view), results and times
as people read them, what the whole-record archive carries, and the rows another plugin
adds to "My keys" (``KeyRow``, the ``key_rows`` hook).
"""

from lrs_space.annotations import (
    FIELDS as ANNOTATION_FIELDS, Annotation, annotation_of, annotation_statement, annotations_of, parse_annotation,
    save_annotation,
)
from lrs_space.archive import ArchiveKind
from lrs_space.keyrows import KeyRow
from lrs_space.people import (
    classifier, current_locale, find_record, my_records, record_of, records_by_ids, records_for,
)
from lrs_space.readable import choose_locale, day_text, duration_text, month_text, result_text, type_label
from lrs_space.records import Record, load_records
from lrs_space.vocabulary import ANNOTATED, QUOTE, TAGS, WAY
from lrs_space.ways import WAYS, WayMapping, classify_statement

__all__ = ["ANNOTATED", "ANNOTATION_FIELDS", "Annotation", "ArchiveKind", "KeyRow", "QUOTE", "Record", "TAGS", "WAY", "WAYS",
           "WayMapping", "annotation_of", "annotation_statement", "annotations_of", "choose_locale", "classifier",
           "classify_statement", "current_locale", "day_text", "duration_text", "find_record", "load_records",
           "month_text", "my_records", "parse_annotation", "record_of", "records_by_ids", "records_for",
           "result_text", "save_annotation", "type_label"]
