"""The storage contract in parts. A backend implements each part in a module of its own
(``lrs/store/sqlite/``, ``lrs/store/mongo/``), and :class:`lrs.store.base.Store` is their sum.

- :mod:`.statements`: storing and reading statements, their attachment bodies and activities
- :mod:`.documents`: state, activity profile and agent profile documents
- :mod:`.people`: people, the identities they claim, the attempt counters that limit guessing
- :mod:`.items`: the small records plugins keep per person
- :mod:`.credentials`: keys and their scopes
- :mod:`.record_rows`: a small row per record of a person that readers derive, to filter, page and sum
- :mod:`.erasure` and :mod:`.copying`: what spans the parts, erasing a person and copying a store

What storing a batch of statements does (a resend, a conflict, a voiding, a StatementRef) is not
the stores' to decide: :mod:`lrs.xapi.writes` decides it, and each store persists the decision.
"""

from lrs.store.contract.copying import RECORD_KINDS, CopyingStore
from lrs.store.contract.credentials import CredentialStore
from lrs.store.contract.documents import DocumentStore
from lrs.store.contract.erasure import ErasureStore
from lrs.store.contract.items import Item, ItemStore
from lrs.store.contract.people import Identity, PeopleStore, Person
from lrs.store.contract.record_rows import RecordFilter, RecordRow, RecordRowStore, RecordSum, RecordValues
from lrs.store.contract.statements import StatementPage, StatementStore, StoredStatement

#: the parts, in the order a store is composed of them
PARTS = (StatementStore, DocumentStore, PeopleStore, ItemStore, CredentialStore, RecordRowStore, ErasureStore,
         CopyingStore)

__all__ = ["PARTS", "RECORD_KINDS", "CopyingStore", "CredentialStore", "DocumentStore", "ErasureStore", "Identity",
           "Item", "ItemStore", "PeopleStore", "Person", "RecordFilter", "RecordRow", "RecordRowStore", "RecordSum",
           "RecordValues", "StatementPage", "StatementStore", "StoredStatement"]
