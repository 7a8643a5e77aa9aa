"""``lrs.wsgi:app``: the application configured from LRS_* variables, for any WSGI server
(``lrs serve`` uses lrs/server.py instead)."""

from lrs.app import create_app
from lrs.config import Config
from lrs.files import make_private, private_process

private_process()  # as `lrs serve` does: the LRS's files are its user's only (lrs/files.py)
make_private(Config.from_env())
app = create_app()
