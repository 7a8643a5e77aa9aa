"""Rule 12: erasure leaves nothing readable.

A person signs up on a real server (`lrs serve`, two workers, one SQLite file), claims a
distinctive e-mail address, records statements, a journal entry, an attachment and a
document with distinctive text, is named as instructor in someone else's statement, and
erases herself from her space. While the server still runs, the raw bytes of the store,
its WAL and its shared-memory file hold neither her e-mail, her username nor her text:
term rows naming her are gone, deleted content is overwritten (``secure_delete``) and the
WAL is emptied after the erasure (``wal_checkpoint(TRUNCATE)``).

MongoDB is checked with mongomock only (no MongoDB server runs here): what an erasure leaves
in its collections, not in its files.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import uuid

import requests

from tests.conftest import statement
from tests.e2e.server import LRS, running_server
from tests.conftest import EVERYTHING

EMAIL = "zyxwv.erasure-7f3q@example.org"
USERNAME = "qwzerase7"
PASSWORD = "a-long-password-for-erasure"
TEXTS = ["Kumquat-sonnet reflection 9147", "Ptarmigan lecture takeaway 5521", "Obsidian attachment 3388",
         "Marzipan document 6602", "Quokka journal entry 4410", "Tamarind journal note 7203"]


class Space:
    """A person's browser on the real server: cookies kept, each form's CSRF token sent back."""

    def __init__(self, url: str):
        self.url = url
        self.session = requests.Session()

    def token(self, path: str) -> str:
        page = self.session.get(self.url + path).text
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def post(self, path: str, data: dict, token_from: str | None = None) -> requests.Response:
        data = {**data, "csrf_token": self.token(token_from or path)}
        return self.session.post(self.url + path, data=data, allow_redirects=False)


def _store_bytes(home) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(home.glob("lrs.sqlite3*")) if path.is_file())


def _leftovers(home) -> dict[str, list[str]]:
    """Which of her strings each store file still holds (in lower case too: the space's record rows
    keep the text a search looks in lower-cased)."""
    wanted = [EMAIL, USERNAME, *TEXTS, *(t.lower() for t in TEXTS)]
    found = {}
    for path in sorted(home.glob("lrs.sqlite3*")):
        if path.is_file():
            data = path.read_bytes()
            found[path.name] = [w for w in wanted if w.encode() in data]
    return found


def test_erasure_leaves_nothing_in_the_sqlite_files(tmp_path):
    with running_server(tmp_path / "home", workers=2) as server:
        home, url = server.home, server.url
        admin = Space(url)
        assert admin.post("/space/signin", {"username": server.first_login["admin"]["username"],
                                            "password": server.first_login["admin"]["password"]}).status_code == 302
        invite = re.search(r"invite=([\w-]+)", admin.post("/space/admin", {"email": EMAIL}).text).group(1)

        zara = Space(url)
        signup = zara.post(f"/space/signup?invite={invite}",
                           {"invite": invite, "username": USERNAME, "password": PASSWORD, "password2": PASSWORD})
        assert signup.status_code == 302, signup.text
        # signing up through the invitation mailed to EMAIL made that address one of her verified identities
        assert "(invitation)" in zara.session.get(url + "/space/identities").text

        made = subprocess.run([LRS, "credentials", "create", "--person", USERNAME, "--name", "her tool", "--json"],
                              env=server.env, check=True, capture_output=True, text=True)
        key = json.loads(made.stdout)
        tool = requests.Session()
        tool.auth = (key["key"], key["secret"])
        tool.headers["X-Experience-API-Version"] = "1.0.3"
        her = {"objectType": "Agent", "mbox": f"mailto:{EMAIL}", "name": USERNAME}
        content = TEXTS[2].encode()
        sha = hashlib.sha256(content).hexdigest()
        mine = [statement(actor=her, result={"response": TEXTS[0]}),
                statement(actor=her, object={"id": "http://example.org/lecture",
                                             "definition": {"name": {"en": TEXTS[1]}}}),
                statement(actor=her, attachments=[{
                    "usageType": "http://example.org/notes", "display": {"en": "notes"},
                    "contentType": "text/plain", "length": len(content), "sha2": sha}])]
        boundary = "erasure-boundary"
        body = (f"--{boundary}\r\nContent-Type: application/json\r\n\r\n{json.dumps(mine)}\r\n"
                f"--{boundary}\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n"
                f"X-Experience-API-Hash: {sha}\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        stored = tool.post(f"{server.xapi}/statements", data=body,
                           headers={"Content-Type": f"multipart/mixed; boundary={boundary}"})
        assert stored.status_code == 200, stored.text
        profile = tool.put(f"{server.xapi}/agents/profile", params={"agent": json.dumps(her), "profileId": "notes"},
                           data=TEXTS[3], headers={"Content-Type": "text/plain", "If-None-Match": "*"})
        assert profile.status_code == 204, profile.text
        journal = zara.post("/space/journal", {"what": TEXTS[4], "verb": "read", "minutes": "30",
                                               "takeaway": TEXTS[5], "tags": ""})
        assert journal.status_code == 302, journal.text

        others = requests.Session()
        others.auth = (server.first_login["credential"]["key"], server.first_login["credential"]["secret"])
        others.headers["X-Experience-API-Version"] = "1.0.3"
        mention = statement(id=str(uuid.uuid4()), context={"instructor": {"mbox": f"mailto:{EMAIL}"}})
        assert others.post(f"{server.xapi}/statements", json=[mention]).status_code == 200

        # her timeline, a search and "how I learn" make her record rows (lrs_space.rows): erasure takes them too
        assert "Kumquat" in zara.session.get(url + "/space/?q=kumquat").text
        assert zara.session.get(url + "/space/ways").status_code == 200
        before = _store_bytes(home)
        assert all(s.encode() in before for s in [EMAIL, USERNAME, *TEXTS]), "the test must see her data first"
        assert all(s.lower().encode() in before for s in TEXTS[:2]), "the test must see her record rows first"

        erased = zara.post("/space/erase", {"confirm": USERNAME, "password": PASSWORD})
        assert erased.status_code == 302 and "/space/erased" in erased.headers["Location"], erased.text
        remaining = others.get(f"{server.xapi}/statements", params={"statementId": mention["id"]})
        assert remaining.status_code == 200 and EMAIL not in remaining.text

        leftovers = {name: found for name, found in _leftovers(home).items() if found}
        assert leftovers == {}, f"her data is still in {leftovers}"


def test_retired_terms_are_not_reused_by_another_process(tmp_path):
    """Two stores on one file stand for two worker processes. When one erases a person, the terms
    only her statements used are retired; the other, which cached their ids while storing, must not
    index new statements under them, or queries would miss those statements."""
    from lrs.store.sqlite import SQLiteStore
    from lrs.xapi.query import StatementQuery
    from tests.store.contract import prepared

    verb = {"id": "http://example.org/verbs/only-she-used-it"}
    her = {"mbox": f"mailto:{EMAIL}"}
    worker, eraser = SQLiteStore(tmp_path / "lrs.sqlite3"), SQLiteStore(tmp_path / "lrs.sqlite3")
    worker.initialise()
    ann = eraser.add_person(USERNAME, "hash", email=EMAIL)
    eraser.add_identity(ann.id, her, verified_by="admin:root")
    worker.store_statements([prepared(actor=her, verb=verb)])   # the worker caches the verb's term id
    eraser.erase_person(ann.id, erased_home_page="https://learnfolio.example/erased")
    later = prepared(actor={"mbox": "mailto:other@example.org"}, verb=verb)
    worker.store_statements([later])
    for store in (eraser, worker):
        assert [s.id for s in store.query_statements(StatementQuery(verb=verb["id"]), 10, reach=EVERYTHING).statements] == [later.id]
    names = [term for (term,) in eraser.conn.execute("SELECT term FROM terms")]
    assert not any(EMAIL in term for term in names)


def _everything(db) -> str:
    """Every document of every collection, as text (mongomock: the collections' contents, not files)."""
    return "\n".join(json.dumps(doc, default=str) for name in db.list_collection_names() for doc in db[name].find())


def test_erasure_leaves_nothing_in_the_mongodb_collections_mongomock_only():
    """With mongomock (no MongoDB server here), what the documents hold after an erasure; a real
    server's files, journal and oplog are not checked (docs/security.md says what remains there)."""
    import mongomock

    from lrs.store.mongo import MongoStore
    from lrs.xapi.agents import agent_key
    from tests.store.contract import prepared

    store = MongoStore(mongomock.MongoClient(), "erasure", transactions=False)
    store.initialise()
    ann = store.add_person(USERNAME, "hash", email=EMAIL)
    her = {"mbox": f"mailto:{EMAIL}", "name": USERNAME}
    store.add_identity(ann.id, her, verified_by="admin:root")
    not_yet = str(uuid.uuid4())  # a statement she refers to that has not arrived: a placeholder remembers her
    store.store_statements([
        prepared(actor=her, result={"response": TEXTS[0]}),
        prepared(actor=her, object={"objectType": "StatementRef", "id": not_yet}),
        prepared(actor={"mbox": "mailto:other@example.org"}, context={"instructor": her}),
    ])
    from lrs.access import Access
    from tests.store.test_contract_record_rows import Reader

    store.sync_record_rows(ann.id, Reader(), reach=Access.for_person(store, ann).reach())  # her record rows
    assert EMAIL in _everything(store.db) and TEXTS[0] in _everything(store.db)
    assert TEXTS[0].lower() in _everything(store.db)
    store.erase_person(ann.id, erased_home_page="https://learnfolio.example/erased")
    left = _everything(store.db)
    assert EMAIL not in left and USERNAME not in left and TEXTS[0] not in left and TEXTS[0].lower() not in left
    assert agent_key(her) not in left
