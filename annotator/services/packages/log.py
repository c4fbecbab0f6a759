"""The merge log: which package files were merged, when, with what result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from annotator.services.packages.shared import json_object
from annotator.store.models import Coder, MergeLog
from annotator.store.project import Project


@dataclass(frozen=True)
class MergeLogEntry:
    merged_at: datetime
    merged_by: str | None
    coder: str
    package_name: str
    package_sha256: str
    package_made_at: datetime
    counts: dict[str, Any]


def merge_log(project: Project) -> list[MergeLogEntry]:
    """Every merge of a package into the project, oldest first."""
    with project.session() as session:
        names = dict(session.execute(select(Coder.id, Coder.name)).all())
        return [
            MergeLogEntry(
                merged_at=row.merged_at,
                merged_by=names.get(row.merged_by_id) if row.merged_by_id else None,
                coder=row.coder_name,
                package_name=row.package_name,
                package_sha256=row.package_sha256,
                package_made_at=row.package_made_at,
                counts=json_object(row.counts),
            )
            for row in session.scalars(select(MergeLog).order_by(MergeLog.id))
        ]
