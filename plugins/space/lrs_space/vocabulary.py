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

#: a person's correction of a way of learning, tags, reflection … (lrs_space.annotations), as it
#: travels in a statement of their own to another LRS they forward to: verb and extension
ANNOTATED = "https://learnfolio.example/xapi/verbs/annotated"
ANNOTATION = "https://learnfolio.example/xapi/extensions/annotation"

#: verbs whose score is a rating ("4 of 5"), not a result out of a maximum
RATING_VERBS = ("http://id.tincanapi.com/verb/rated", "https://w3id.org/xapi/acrossx/verbs/rated",
                "http://activitystrea.ms/schema/1.0/rate")

#: names people read for the activity types tools send (the IRI stays in a record's details);
#: an IRI not listed reads as its last part ("chat-message" → "Chat message")
ACTIVITY_TYPES = {
    "http://adlnet.gov/expapi/activities/course": "Course",
    "http://adlnet.gov/expapi/activities/module": "Module",
    "http://adlnet.gov/expapi/activities/lesson": "Lesson",
    "http://adlnet.gov/expapi/activities/assessment": "Assessment",
    "http://adlnet.gov/expapi/activities/question": "Question",
    "http://adlnet.gov/expapi/activities/cmi.interaction": "Question",
    "http://adlnet.gov/expapi/activities/interaction": "Interaction",
    "http://adlnet.gov/expapi/activities/simulation": "Simulation",
    "http://adlnet.gov/expapi/activities/objective": "Objective",
    "http://adlnet.gov/expapi/activities/performance": "Performance",
    "http://adlnet.gov/expapi/activities/meeting": "Meeting",
    "http://adlnet.gov/expapi/activities/media": "Media",
    "http://adlnet.gov/expapi/activities/file": "File",
    "http://adlnet.gov/expapi/activities/link": "Link",
    "http://adlnet.gov/expapi/activities/profile": "Profile",
    "http://activitystrea.ms/schema/1.0/article": "Article",
    "http://activitystrea.ms/schema/1.0/page": "Web page",
    "http://activitystrea.ms/schema/1.0/video": "Video",
    "http://activitystrea.ms/schema/1.0/audio": "Audio",
    "http://activitystrea.ms/schema/1.0/file": "File",
    "http://activitystrea.ms/schema/1.0/book": "Book",
    "http://activitystrea.ms/schema/1.0/event": "Event",
    "http://activitystrea.ms/schema/1.0/review": "Review",
    "http://activitystrea.ms/schema/1.0/comment": "Comment",
    "http://activitystrea.ms/schema/1.0/question": "Question",
    "http://activitystrea.ms/schema/1.0/task": "Task",
    "http://id.tincanapi.com/activitytype/blog": "Blog post",
    "http://id.tincanapi.com/activitytype/book": "Book",
    "http://id.tincanapi.com/activitytype/chat-message": "Chat note",
    "http://id.tincanapi.com/activitytype/chat-channel": "Chat channel",
    "http://id.tincanapi.com/activitytype/code-commit": "Code commit",
    "http://id.tincanapi.com/activitytype/conference": "Conference",
    "http://id.tincanapi.com/activitytype/conference-session": "Conference talk",
    "http://id.tincanapi.com/activitytype/discussion": "Discussion",
    "http://id.tincanapi.com/activitytype/document": "Document",
    "http://id.tincanapi.com/activitytype/email": "E-mail",
    "http://id.tincanapi.com/activitytype/forum-reply": "Forum reply",
    "http://id.tincanapi.com/activitytype/issue": "Issue",
    "http://id.tincanapi.com/activitytype/lms": "Learning platform",
    "http://id.tincanapi.com/activitytype/meeting": "Meeting",
    "http://id.tincanapi.com/activitytype/mentoring": "Mentoring",
    "http://id.tincanapi.com/activitytype/podcast": "Podcast",
    "http://id.tincanapi.com/activitytype/research-report": "Report",
    "http://id.tincanapi.com/activitytype/slide-deck": "Slides",
    "http://id.tincanapi.com/activitytype/source": "Source code",
    "http://id.tincanapi.com/activitytype/tutor-session": "Tutoring",
    "http://id.tincanapi.com/activitytype/webinar": "Webinar",
    "http://id.tincanapi.com/activitytype/workshop": "Workshop",
    "https://w3id.org/xapi/video/activity-type/video": "Video",
    "https://w3id.org/xapi/audio/activity-type/audio": "Audio",
    "https://w3id.org/xapi/acrossx/activities/webpage": "Web page",
    "https://w3id.org/xapi/acrossx/activities/video": "Video",
    "https://w3id.org/xapi/acrossx/activities/article": "Article",
    "https://w3id.org/xapi/acrossx/activities/e-book": "E-book",
    "https://w3id.org/xapi/cmi5/activitytype/course": "Course",
    "https://w3id.org/xapi/cmi5/activitytype/block": "Module",
    "https://w3id.org/xapi/tla/activity-types/live_session": "Live session",
    "https://learnfolio.example/xapi/activities/journal-entry": "Journal entry",
}
