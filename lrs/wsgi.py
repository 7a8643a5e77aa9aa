"""``gunicorn lrs.wsgi:app``: the application configured from LRS_* variables."""

from lrs.app import create_app

app = create_app()
