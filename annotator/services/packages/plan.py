"""What a merge will do (or did): per package, per coder, and for the whole merge."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from annotator.services.packages.shared import counted
from annotator.services.recommendations import recommendation_rows


@dataclass(frozen=True)
class ValueChange:
    """One coder's value of one field of one recommendation that a merge changes, or in
    which the coder's work in the package loses to a later edit in the project."""

    coder: str
    recommendation_id: int
    recommendation: str
    field: str
    before: str  # what the project holds now
    after: str  # what the package holds
    kind: str  # "added", "changed", "removed"
    winner: str  # "package" or "project"
    conflict: bool  # both changed it since the package was made

    def sentence(self) -> str:
        verdict = (
            "the package's value wins (later)"
            if self.winner == "package"
            else "the project's value stays (later)"
        )
        what = f"{self.recommendation}, {self.field}: project {self.before} / package {self.after}"
        return f"conflict: {what}; {verdict}" if self.conflict else f"{self.kind}: {what}"


COUNT_NAMES = (
    "added",
    "changed",
    "removed",
    "conflicts",
    "conflicts_kept_project",
    "statuses_added",
    "statuses_changed",
    "status_conflicts",
    "time_updated",
    "events_copied",
)


@dataclass
class PackagePlan:
    """What merging one package does (or did)."""

    path: Path
    sha256: str
    coder: str
    coder_uuid: uuid.UUID
    package_uuid: uuid.UUID
    made_at: datetime
    recommendations: int
    already_merged_at: datetime | None = None
    coder_added: bool = False
    claimed_role: str | None = None  # the role the package gave an added coder (not granted)
    added: int = 0
    changed: int = 0
    removed: int = 0
    conflicts: int = 0
    conflicts_kept_project: int = 0
    unchanged: int = 0
    statuses_added: int = 0
    statuses_changed: int = 0
    status_conflicts: int = 0
    time_updated: int = 0
    events_copied: int = 0
    changes: list[ValueChange] = field(default_factory=list)
    retired: dict[str, int] = field(default_factory=dict)  # "Field: code" -> values
    warnings: list[str] = field(default_factory=list)
    # Marked done in the package with required fields empty: merged as in progress.
    incomplete_done: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNT_NAMES}

    @property
    def writes_anything(self) -> bool:
        if self.already_merged_at is not None:
            return False
        values = self.added + self.changed + self.removed
        statuses = self.statuses_added + self.statuses_changed + self.time_updated
        return bool(values or statuses or self.events_copied or self.coder_added)

    def added_coder_sentence(self) -> str:
        sentence = f"{self.coder} is added to the project as a coder"
        if self.claimed_role not in (None, "coder"):
            sentence += (
                f" (the package says {self.claimed_role}; a package cannot give a role, "
                "a coordinator can)"
            )
        return sentence

    def summary(self, *, applied: bool = False) -> str:
        if self.already_merged_at is not None:
            return f"already merged on {self.already_merged_at:%Y-%m-%d %H:%M} UTC; nothing to do"
        verbs = ("added", "changed", "removed") if applied else ("to add", "to change", "to remove")
        parts = [
            f"{self.added} {verbs[0]}",
            f"{self.changed} {verbs[1]}",
            f"{self.removed} {verbs[2]}",
            counted(self.conflicts, "conflict"),
        ]
        status = f"statuses: {self.statuses_added} new, {self.statuses_changed} changed"
        if self.time_updated:
            status += f", time spent updated on {self.time_updated}"
        return "values: " + ", ".join(parts) + "; " + status


@dataclass
class CoderPlan:
    """Everything a merge brings in for one coder, over their packages."""

    coder: str
    coder_uuid: uuid.UUID
    packages: list[PackagePlan]

    def total(self, name: str) -> int:
        return sum(getattr(p, name) for p in self.packages)

    @property
    def added(self) -> int:
        return self.total("added")

    @property
    def changed(self) -> int:
        return self.total("changed")

    @property
    def removed(self) -> int:
        return self.total("removed")

    @property
    def conflicts(self) -> int:
        return self.total("conflicts")

    @property
    def changes(self) -> list[ValueChange]:
        return [c for p in self.packages for c in p.changes]

    @property
    def retired(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in self.packages:
            for key, count in p.retired.items():
                out[key] = out.get(key, 0) + count
        return out

    @property
    def warnings(self) -> list[str]:
        return [w for p in self.packages for w in p.warnings]


@dataclass
class MergePlan:
    """What a merge of some packages does, per package and per coder."""

    packages: list[PackagePlan]
    applied: bool = False
    backup: Path | None = None

    @property
    def coders(self) -> list[CoderPlan]:
        by: dict[uuid.UUID, CoderPlan] = {}
        for plan in self.packages:
            by.setdefault(
                plan.coder_uuid, CoderPlan(plan.coder, plan.coder_uuid, [])
            ).packages.append(plan)
        return sorted(by.values(), key=lambda c: c.coder.casefold())

    @property
    def writes_anything(self) -> bool:
        return any(p.writes_anything for p in self.packages)

    def lines(self, *, details: int = 50) -> list[str]:
        """The plan as a person reads it: per coder, per package, conflicts first."""
        out: list[str] = []
        for coder in self.coders:
            out.append(f"{coder.coder}: {counted(len(coder.packages), 'package')}")
            for plan in coder.packages:
                made = f"made {plan.made_at:%Y-%m-%d %H:%M} UTC"
                out.append(
                    f"  {plan.name} ({made}, {counted(plan.recommendations, 'recommendation')})"
                )
                out.append(f"    {plan.summary(applied=self.applied)}")
                if plan.coder_added:
                    out.append(f"    {plan.added_coder_sentence()}")
                shown = sorted(plan.changes, key=lambda c: not c.conflict)
                for change in shown[:details]:
                    out.append(f"    {change.sentence()}")
                if len(shown) > details:
                    out.append(f"    … and {len(shown) - details} more")
                for key, count in sorted(plan.retired.items()):
                    out.append(
                        f"    retired code kept: {key} ({counted(count, 'value')}); "
                        "the project's codebook retired it"
                    )
                if plan.incomplete_done:
                    out.append(
                        f"    not done: {counted(len(plan.incomplete_done), 'recommendation')}"
                        " marked done in the package with required fields empty "
                        "arrive in progress: " + "; ".join(plan.incomplete_done)
                    )
                for warning in plan.warnings:
                    out.append(f"    note: {warning}")
        return out


def label_changes(session: Session, plan: PackagePlan) -> None:
    if not plan.changes:
        return
    rows = recommendation_rows(
        session, {c.recommendation_id for c in plan.changes}, with_text=False
    )
    labels = {rid: row.place for rid, row in rows.items()}
    order = {rid: (row.state, row.cycle, row.sort_key) for rid, row in rows.items()}
    # In reading order (28.2 before 28.10), as the coordinator checks them.
    plan.changes = sorted(
        (
            dataclasses.replace(c, recommendation=labels.get(c.recommendation_id, "?"))
            for c in plan.changes
        ),
        key=lambda c: (order.get(c.recommendation_id, ("", 0, "")), c.field),
    )
