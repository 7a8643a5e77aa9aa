"""CSV files people open in spreadsheets: text that a spreadsheet would run is written as text.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets (OWASP, "CSV Injection"): a record's title such as
``=HYPERLINK("http://evil","x")`` would become a link, or worse, in the export of the person it
was recorded for. Every CSV the project writes goes through :func:`write_rows`, which puts a
``'`` before such text; spreadsheets show the quote-prefixed cell as the text it was. Numbers
the LRS formats itself are marked :class:`Figure` and written as they are.
"""

from __future__ import annotations

import csv
from typing import Iterable

#: first characters that make a spreadsheet read a cell as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Figure(str):
    """A number the LRS wrote itself (hours, counts): never text from people or tools, never quoted."""


def text_cell(value: str) -> str:
    """Text a spreadsheet shows and never runs: a ``'`` before a formula's first character."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def write_rows(stream, rows: Iterable[Iterable]) -> None:
    """CSV rows (RFC 4180 quoting, CRLF) to a text stream; every ``str`` cell but a :class:`Figure`
    goes through :func:`text_cell`, so a column added later is safe without thinking of it."""
    writer = csv.writer(stream, lineterminator="\r\n")
    for row in rows:
        writer.writerow([text_cell(cell) if isinstance(cell, str) and not isinstance(cell, Figure) else cell
                         for cell in row])
