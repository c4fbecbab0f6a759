"""What is read from a package: its marker and plain records, and the limits they must keep."""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from annotator.limits import (
    MAX_CODER_TEXT,
    MAX_EVENT_JSON,
    MAX_RECOMMENDATION_TEXT,
    MAX_SOURCE_TEXT,
)
from annotator.services.packages.errors import PackageRefused, refuse
from annotator.services.packages.value_checks import (
    as_int,
    as_optional_text,
    as_text,
    as_time,
    as_uuid,
)

MARKER_KEY = "package_of"
FORMAT = "upr-coder-package"
FORMAT_VERSION = 1
CHOICE_KINDS = ("multi", "single", "ordinal")

# Limits far above any real package; they keep a crafted file from exhausting memory.
# Texts: derived from the limits every entry point applies (annotator.limits), with room
# for texts saved by versions of the app that had no limit, so that the merge accepts
# whatever the app itself could have written.
MAX_TEXT = 5 * max(MAX_RECOMMENDATION_TEXT, MAX_SOURCE_TEXT, MAX_CODER_TEXT)
MAX_DOCUMENT = 2_000_000  # a codebook's YAML: definitions and examples of every code
MAX_BYTES = 4 * 1024**3
MAX_CODERS = 100
MAX_FIELDS = 1_000
MAX_CODES = 100_000
MAX_INFO = 100
MAX_ROWS = 5_000_000
EVENTS_PER_VALUE = 100  # saves per field value: a coder changing their mind, many times
LONG_COLUMNS = {
    ("codebook_revision", "document"): MAX_DOCUMENT,
    # A value before and after as JSON, every non-ASCII character escaped.
    ("audit_event", "before"): MAX_EVENT_JSON,
    ("audit_event", "after"): MAX_EVENT_JSON,
}
# SQLite's own statistics (ANALYZE) hold no code; a package may have them.
TOLERATED = frozenset({"sqlite_stat1", "sqlite_stat4"})
READ_ONLY_ACTIONS = frozenset(
    {
        sqlite3.SQLITE_SELECT,
        sqlite3.SQLITE_READ,
        sqlite3.SQLITE_PRAGMA,
        sqlite3.SQLITE_FUNCTION,
        sqlite3.SQLITE_RECURSIVE,
    }
)
COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Marker:
    """What ``project_info['package_of']`` says: whose package it is and what it was made of."""

    package_uuid: uuid.UUID
    coder_uuid: uuid.UUID
    coder_name: str
    made_at: datetime
    made_by: str | None
    codebook_uuid: uuid.UUID
    codebook_version: int
    recommendations: int

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "package_uuid": str(self.package_uuid),
                "coder_uuid": str(self.coder_uuid),
                "coder_name": self.coder_name,
                "made_at": self.made_at.isoformat(),
                "made_by": self.made_by,
                "codebook_uuid": str(self.codebook_uuid),
                "codebook_version": self.codebook_version,
                "recommendations": self.recommendations,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str, path: Path) -> Marker:
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ValueError("not a package marker")
            if data.get("format_version") != FORMAT_VERSION:
                raise refuse(
                    path,
                    f"it is a package of format {data.get('format_version')!r}, which this "
                    "version of UPR Coder does not read",
                )
            return cls(
                package_uuid=as_uuid(data["package_uuid"]),
                coder_uuid=as_uuid(data["coder_uuid"]),
                coder_name=as_text(data["coder_name"]),
                made_at=as_time(data["made_at"]),
                made_by=as_optional_text(data.get("made_by")),
                codebook_uuid=as_uuid(data["codebook_uuid"]),
                codebook_version=as_int(data["codebook_version"]),
                recommendations=as_int(data["recommendations"]),
            )
        except PackageRefused:
            raise
        except (ValueError, KeyError, TypeError):
            raise refuse(path, "its package marker is damaged") from None


@dataclass(frozen=True)
class FieldInfo:
    uuid: uuid.UUID
    key: str
    label: str
    kind: str


@dataclass(frozen=True)
class CodeInfo:
    uuid: uuid.UUID
    field_uuid: uuid.UUID
    key: str
    label: str


@dataclass(frozen=True)
class PackagedCodebook:
    uuid: uuid.UUID
    name: str
    version: int
    fields: dict[uuid.UUID, FieldInfo]
    codes: dict[uuid.UUID, CodeInfo]


@dataclass(frozen=True)
class CoderInfo:
    uuid: uuid.UUID
    name: str
    role: str
    created_at: datetime


@dataclass(frozen=True)
class AnnotationRecord:
    uuid: uuid.UUID
    recommendation_uuid: uuid.UUID
    coder_uuid: uuid.UUID
    field_uuid: uuid.UUID
    code_uuid: uuid.UUID | None
    value: str | None
    codebook_version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StatusRecord:
    recommendation_uuid: uuid.UUID
    coder_uuid: uuid.UUID
    status: str
    flag_reason: str | None
    seconds_spent: float
    updated_at: datetime


@dataclass(frozen=True)
class EventValue:
    """A field value as an audit event describes it, by code identity."""

    codes: frozenset[uuid.UUID]
    text: str | None


@dataclass(frozen=True)
class EventRecord:
    """One change the coder made in the package ("annotate" or "status")."""

    uuid: uuid.UUID
    at: datetime
    coder_uuid: uuid.UUID
    action: str
    entity: str
    recommendation_uuid: uuid.UUID
    field_uuid: uuid.UUID | None  # annotate events only
    before: EventValue | tuple[str, str | None]  # a value, or (status, reason)
    after: EventValue | tuple[str, str | None]


@dataclass
class PackageContents:
    path: Path
    sha256: str
    size: int
    project_uuid: str
    info: dict[str, str]
    marker: Marker
    codebook: PackagedCodebook
    coders: dict[uuid.UUID, CoderInfo]
    recommendations: frozenset[uuid.UUID]
    annotations: list[AnnotationRecord]
    statuses: list[StatusRecord]
    events: list[EventRecord]

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class PackageCounts:
    recommendations: int
    coders: int
    annotations: int
    statuses: int
    events: int
