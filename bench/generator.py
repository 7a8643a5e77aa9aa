"""Realistic xAPI statements, deterministic for a seed.

Proportions follow what an organisation's LRS sees: mostly e-learning traffic
(launched/initialized/progressed/completed/passed/failed/answered inside course
registrations, with parent/grouping context, results and durations), some
informal learning (read/watched/attended/asked, with reflections in
result.response), a few comments targeting other statements, a few
attachments (fileUrl references to certificates). Average size ≈ 1.4 KB.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

VERBS = [  # (verb id tail, display, weight)
    ("experienced", "experienced", 14), ("answered", "answered", 22), ("completed", "completed", 8),
    ("passed", "passed", 5), ("failed", "failed", 2), ("progressed", "progressed", 14),
    ("initialized", "initialized", 7), ("terminated", "terminated", 7), ("launched", "launched", 4),
    ("attended", "attended", 3), ("read", "read", 5), ("watched", "watched", 4), ("asked", "asked", 2),
    ("commented", "commented", 2), ("shared", "shared", 1),
]
ADL = "http://adlnet.gov/expapi/verbs/"
ACTIVITY_TYPES = ["http://adlnet.gov/expapi/activities/course", "http://adlnet.gov/expapi/activities/module",
                  "http://adlnet.gov/expapi/activities/cmi.interaction", "http://adlnet.gov/expapi/activities/media",
                  "http://activitystrea.ms/schema/1.0/article", "http://adlnet.gov/expapi/activities/meeting"]
LOREM = ("learning record practice reflection team project customer safety compliance leadership data "
         "design review feedback mentor workshop conference article video podcast problem solution").split()


class StatementGenerator:
    def __init__(self, seed: int = 42, persons: int = 5000, courses: int = 200, activities_per_course: int = 25):
        self.random = random.Random(seed)
        self.persons = [self._person(i) for i in range(persons)]
        self.courses = [f"https://lms.example.com/courses/{i}" for i in range(courses)]
        self.activities_per_course = activities_per_course
        self.registrations: dict[tuple[int, int], str] = {}
        self.verb_ids = [v for v, _, w in VERBS for _ in range(w)]
        self.displays = {v: d for v, d, _ in VERBS}
        self.clock = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
        self.recent_ids: list[str] = []

    def _person(self, i: int) -> dict:
        if i % 3 == 0:
            return {"objectType": "Agent", "name": f"Person {i}",
                    "account": {"homePage": "https://sso.example.com", "name": f"p{i:06d}"}}
        return {"objectType": "Agent", "name": f"Person {i}", "mbox": f"mailto:person{i}@example.com"}

    def words(self, n: int) -> str:
        return " ".join(self.random.choice(LOREM) for _ in range(n))

    def definition(self, course: int, activity: int) -> dict:
        """An activity's definition is the same every time it is sent, as from a real LMS."""
        words = random.Random(course * 1000 + activity)
        text = lambda n: " ".join(words.choice(LOREM) for _ in range(n))  # noqa: E731
        return {"name": {"en-US": text(4).title()}, "description": {"en-US": text(14)},
                "type": ACTIVITY_TYPES[1 + (course + activity) % (len(ACTIVITY_TYPES) - 1)]}

    def registration(self, person: int, course: int) -> str:
        key = (person, course)
        if key not in self.registrations:
            self.registrations[key] = str(uuid.UUID(int=self.random.getrandbits(128), version=4))
        return self.registrations[key]

    def statement(self) -> dict:
        r = self.random
        self.clock += dt.timedelta(seconds=r.randint(1, 30))
        person_index = int(r.paretovariate(1.2)) % len(self.persons)
        verb = r.choice(self.verb_ids)
        statement_id = str(uuid.UUID(int=r.getrandbits(128), version=4))
        course_index = r.randrange(len(self.courses))
        course = self.courses[course_index]
        activity_index = r.randrange(self.activities_per_course)
        activity_id = f"{course}/activities/{activity_index}"
        statement = {
            "id": statement_id,
            "actor": self.persons[person_index],
            "verb": {"id": ADL + verb, "display": {"en-US": self.displays[verb], "de-DE": self.displays[verb]}},
            "object": {
                "objectType": "Activity", "id": activity_id,
                "definition": self.definition(course_index, activity_index),
            },
            "timestamp": self.clock.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "context": {
                "registration": self.registration(person_index, course_index),
                "platform": "Example LMS",
                "language": "en-US",
                "contextActivities": {
                    "parent": [{"id": course, "objectType": "Activity",
                                "definition": {"type": ACTIVITY_TYPES[0], "name": {"en-US": f"Course {course_index}"}}}],
                    "grouping": [{"id": "https://lms.example.com/programmes/onboarding", "objectType": "Activity"}],
                    "category": [{"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5",
                                  "objectType": "Activity"}],
                },
                "extensions": {"https://w3id.org/xapi/cmi5/context/extensions/sessionid": str(r.getrandbits(64))},
            },
        }
        if verb in ("answered", "completed", "passed", "failed", "progressed", "read", "watched", "attended"):
            raw = r.randint(0, 100)
            statement["result"] = {
                "score": {"raw": raw, "min": 0, "max": 100, "scaled": raw / 100},
                "success": raw >= 60, "completion": verb != "progressed",
                "duration": f"PT{r.randint(1, 3600)}S",
            }
            if verb in ("read", "watched", "attended"):
                statement["result"]["response"] = self.words(20)
        if verb == "commented" and self.recent_ids:
            statement["object"] = {"objectType": "StatementRef", "id": r.choice(self.recent_ids)}
            statement["context"].pop("platform")
        if r.random() < 0.01:
            statement["attachments"] = [{
                "usageType": "http://id.tincanapi.com/attachment/certificate-of-completion",
                "display": {"en-US": "Certificate"}, "contentType": "application/pdf", "length": 48213,
                "sha2": "%064x" % r.getrandbits(256), "fileUrl": f"https://files.example.com/{statement_id}.pdf",
            }]
        self.recent_ids.append(statement_id)
        if len(self.recent_ids) > 1000:
            self.recent_ids = self.recent_ids[-500:]
        return statement

    def batch(self, n: int) -> list[dict]:
        return [self.statement() for _ in range(n)]
