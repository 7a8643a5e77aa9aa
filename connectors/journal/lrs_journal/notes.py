"""Markdown daily notes → journal entries.

One entry per heading (default): every heading of the chosen level (``##`` unless told) starts an
entry that runs to the next heading of that level or higher; deeper headings stay inside it.
Text before the first such heading (a ``# title``, say) is not an entry, unless the file has no
heading of that level: then the whole file is one entry, as with one entry per file.

One entry per file: the whole file is one entry named after its first heading (else the file name).

In both: ``#word`` hashtags in the text become tags; a name ending in ``(45 min)``, ``(1 h)`` or
``(1 h 30 min)`` gives the time spent; a file named ``YYYY-MM-DD….md`` dates its entries (noon UTC,
the same calendar day from UTC-11 to UTC+11).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lrs_journal.statements import Entry, entry_iri

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
HASHTAG = re.compile(r"(?<![\w&/#])#([A-Za-z][\w-]*)")
TIME_SPENT = re.compile(r"\s*\((?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+)\s*min)?\)\s*$", re.IGNORECASE)
DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Section:
    title: str
    lines: list[str]


def sections(text: str, level: int) -> tuple[list[str], list[Section]]:
    """The lines before the first heading of ``level``, and the sections it starts (code blocks are not read)."""
    preamble: list[str] = []
    found: list[Section] = []
    in_code = False
    for line in text.splitlines():
        if FENCE.match(line):
            in_code = not in_code
        heading = None if in_code else HEADING.match(line)
        if heading and len(heading.group(1)) <= level:
            if len(heading.group(1)) == level:
                found.append(Section(heading.group(2), []))
                continue
            if found:  # a higher heading ends the section
                found.append(Section("", []))
                continue
        (found[-1].lines if found else preamble).append(line)
    return preamble, [s for s in found if s.title]


def first_heading(lines: list[str]) -> tuple[str | None, list[str]]:
    in_code = False
    for index, line in enumerate(lines):
        if FENCE.match(line):
            in_code = not in_code
        heading = None if in_code else HEADING.match(line)
        if heading:
            return heading.group(2), lines[:index] + lines[index + 1:]
    return None, lines


def slug(title: str) -> str:
    return re.sub(r"[^\w]+", "-", title.lower()).strip("-") or "entry"


def split_time(title: str) -> tuple[str, float | None]:
    match = TIME_SPENT.search(title)
    if not match or not (match.group(1) or match.group(2)):
        return title, None
    minutes = float(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    return title[:match.start()].strip(), minutes


def tags(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(HASHTAG.findall(text)))


def make_entry(iri: str, title: str, lines: list[str], timestamp: str | None, source: str) -> Entry:
    name, minutes = split_time(title)
    text = "\n".join(lines).strip()
    return Entry(iri=iri, name=name or "untitled", text=text, tags=tags(text), minutes=minutes,
                 timestamp=timestamp, source=source)


def file_entries(path: Path, relative: str, base: str, *, per: str = "heading", level: int = 2) -> list[Entry]:
    text = path.read_text(encoding="utf-8")
    date = DATE.match(path.name)
    timestamp = f"{date.group(1)}T12:00:00Z" if date else None
    file_iri = entry_iri(base, relative)
    if per == "heading":
        _, found = sections(text, level)
        if found:
            entries, seen = [], {}
            for section in found:
                key = slug(split_time(section.title)[0])
                seen[key] = seen.get(key, 0) + 1
                anchor = key if seen[key] == 1 else f"{key}-{seen[key]}"
                entries.append(make_entry(f"{file_iri}#{anchor}", section.title, section.lines, timestamp,
                                          f"{relative} § {section.title}"))
            return entries
    title, rest = first_heading(text.splitlines())
    return [make_entry(file_iri, title or path.stem, rest, timestamp, relative)]


def folder_entries(folder: Path, base: str, *, per: str = "heading", level: int = 2) -> tuple[list[Entry], set[str]]:
    """Every entry in the folder's Markdown files (sorted by path), and the IRIs of those files."""
    entries: list[Entry] = []
    files: set[str] = set()
    for path in sorted(folder.rglob("*.md")):
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        relative = path.relative_to(folder).as_posix()
        files.add(entry_iri(base, relative))
        entries.extend(file_entries(path, relative, base, per=per, level=level))
    return entries, files
