"""The storage contract in parts. A backend implements each part in a module of its own
(``lrs/store/sqlite/``, ``lrs/store/mongo/``), and :class:`lrs.store.base.Store` is their sum.

- :mod:`.statements`: storing and reading statements, their attachment bodies and activities
- :mod:`.documents`: state, activity profile and agent profile documents
- :mod:`.people`: people, the identities they claim, the attempt counters that limit guessing
- :mod:`.items`: the small records plugins keep per person
- :mod:`.credentials`: keys and their scopes
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
from lrs.store.contract.statements import StatementPage, StatementStore, StoredStatement

#: the parts, in the order a store is composed of them
PARTS = (StatementStore, DocumentStore, PeopleStore, ItemStore, CredentialStore, ErasureStore, CopyingStore)

__all__ = ["PARTS", "RECORD_KINDS", "CopyingStore", "CredentialStore", "DocumentStore", "ErasureStore", "Identity",
           "Item", "ItemStore", "PeopleStore", "Person", "StatementPage", "StatementStore", "StoredStatement"]
