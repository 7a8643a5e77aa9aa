"""The xAPI vocabulary the space writes and reads: verbs, activity types, extensions.

Connectors (browser extension, chat, journal) use the same IRIs, so their
records classify and filter the same way.
"""

TAGS = "http://id.tincanapi.com/extension/tags"
WAY = "https://learnfolio.example/xapi/extensions/way"
QUOTE = "https://learnfolio.example/xapi/extensions/quote"
JOURNAL_PLATFORM = "Learnfolio journal"

#: verbs offered by the journal form: (name, IRI, label)
JOURNAL_VERBS = [
    ("learned", "https://learnfolio.example/xapi/verbs/learned-from", "learned from"),
    ("read", "https://w3id.org/xapi/adl/verbs/read", "read"),
    ("watched", "https://w3id.org/xapi/video/verbs/watched", "watched"),
    ("listened", "https://learnfolio.example/xapi/verbs/listened", "listened to"),
    ("discussed", "https://learnfolio.example/xapi/verbs/discussed", "discussed"),
    ("solved", "https://learnfolio.example/xapi/verbs/solved", "worked out"),
    ("attended", "http://adlnet.gov/expapi/verbs/attended", "attended"),
    ("reflected", "https://learnfolio.example/xapi/verbs/reflected", "reflected on"),
]

JOURNAL_ENTRY = "https://learnfolio.example/xapi/activities/journal-entry"
