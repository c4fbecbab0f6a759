"""What is read from a package: its marker and the plain records a merge works on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from uuid import UUID

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


@dataclass(frozen=True)
class Marker:
    """What ``project_info['package_of']`` says: whose package it is and what it was made of."""

    package_uuid: UUID
    coder_uuid: UUID
    coder_name: str
    made_at: datetime
    made_by: str | None
    codebook_uuid: UUID
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
    uuid: UUID
    key: str
    label: str
    kind: str


@dataclass(frozen=True)
class CodeInfo:
    uuid: UUID
    field_uuid: UUID
    key: str
    label: str


@dataclass(frozen=True)
class PackagedCodebook:
    uuid: UUID
    name: str
    version: int
    fields: dict[UUID, FieldInfo]
    codes: dict[UUID, CodeInfo]


@dataclass(frozen=True)
class CoderInfo:
    uuid: UUID
    name: str
    role: str
    created_at: datetime


@dataclass(frozen=True)
class AnnotationRecord:
    uuid: UUID
    recommendation_uuid: UUID
    coder_uuid: UUID
    field_uuid: UUID
    code_uuid: UUID | None
    value: str | None
    codebook_version: int
    created_at: datetime
    updated_at: datetime
    accepted_suggestion: bool = False  # ticked by accepting a theme suggestion


@dataclass(frozen=True)
class StatusRecord:
    recommendation_uuid: UUID
    coder_uuid: UUID
    status: str
    flag_reason: str | None
    seconds_spent: float
    updated_at: datetime
    suggestions_shown: bool = False  # the coder had theme suggestions on screen


@dataclass(frozen=True)
class EventValue:
    """A field value as an audit event describes it, by code identity."""

    codes: frozenset[UUID]
    text: str | None


@dataclass(frozen=True)
class EventRecord:
    """One change the coder made in the package ("annotate" or "status")."""

    uuid: UUID
    at: datetime
    coder_uuid: UUID
    action: str
    entity: str
    recommendation_uuid: UUID
    field_uuid: UUID | None  # annotate events only
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
    coders: dict[UUID, CoderInfo]
    recommendations: frozenset[UUID]
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
