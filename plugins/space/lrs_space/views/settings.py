"""Settings and archive: how dates and numbers read, and everything I own in one file (out and in)."""

from __future__ import annotations

import io

from flask import Response, g, request

from lrs import Access, lrs_app, render, signed_in
from lrs_space.archive import import_archive, read_archive, write_archive
from lrs_space.people import SpaceSettings, current_locale
from lrs_space.readable import day_text, parse_locale
from lrs_space.views.journal import space_credential
from lrs_space.web import bp

#: the locales offered (any other tag Babel knows works too, from the browser)
LOCALES = ("en-GB", "en-US", "en-IE", "en-AU", "de-DE", "de-CH", "fr-FR", "es-ES", "it-IT", "nl-NL", "pt-PT",
           "pt-BR", "sv-SE", "da-DK", "nb-NO", "fi-FI", "pl-PL")
#: the largest archive a person may import through the page (bytes)
MAX_ARCHIVE = 200 * 1024 * 1024


def _choices():
    return [(tag, parse_locale(tag).get_display_name(tag.replace("-", "_")) or tag) for tag in LOCALES]


@bp.route("/settings", methods=["GET", "POST"])
@signed_in
def settings():
    store = lrs_app().store
    mine = SpaceSettings.of(store, g.person.id)
    error = done = None
    if request.method == "POST":
        tag = request.form.get("locale", "").strip()
        if tag and parse_locale(tag) is None:
            error = "Choose a language and region from the list."
        else:
            mine.locale = tag
            mine.save(store, g.person.id)
            g.pop("space_locale", None)
            done = "Saved: dates and numbers now read like this: " + day_text("2026-11-20", current_locale()) + "."
    return render("settings.html", settings=mine, choices=_choices(), error=error, done=done, report=None,
                  example=day_text("2026-11-20", current_locale())), 400 if error else 200


@bp.route("/archive.json")
@signed_in
def archive():
    """Everything I own here, in one file another Learnfolio imports (docs/space.md)."""
    out = io.BytesIO()
    write_archive(lrs_app(), g.person, g.access, out)
    response = Response(out.getvalue(), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{g.person.username}-learnfolio-archive.json"'
    return response


@bp.route("/archive/import", methods=["POST"])
@signed_in
def archive_import():
    upload = request.files.get("archive")
    error = report = None
    if upload is None or not upload.filename:
        error = "Choose the archive file to import."
    else:
        data = upload.stream.read(MAX_ARCHIVE + 1)
        try:
            if len(data) > MAX_ARCHIVE:
                raise ValueError(f"The archive is larger than {MAX_ARCHIVE // (1024 * 1024)} MiB: ask the operator"
                                 " to import it with the lrs import command.")
            archive = read_archive(data)
        except ValueError as e:
            error = str(e)
        else:
            access = Access.for_person(lrs_app().store, g.person, credential=space_credential(g.person))
            report = import_archive(lrs_app(), g.person, access, archive)
    mine = SpaceSettings.of(lrs_app().store, g.person.id)
    return render("settings.html", settings=mine, choices=_choices(), error=error, done=None, report=report,
                  example=day_text("2026-11-20", current_locale())), 400 if error else 200
