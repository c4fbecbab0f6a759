"""Who a package can be made for: the Packages dialog's list, in one read."""

from __future__ import annotations

from dataclasses import dataclass

from annotator.services import assignments
from annotator.services.coders import list_coders
from annotator.store.project import Project


@dataclass(frozen=True)
class PackageCoder:
    name: str
    role: str
    assigned: int | None  # None: no assignment, so the package holds every recommendation


@dataclass(frozen=True)
class PackageChoices:
    total: int  # recommendations in the project
    coders: tuple[PackageCoder, ...]


def package_choices(project: Project) -> PackageChoices:
    """The active coders, each with how many recommendations their package would hold."""
    with project.session() as session:
        total = len(assignments.all_ids(session))
        summary = {s.coder_id: s for s in assignments.assignment_summary(session)}
        coders = []
        for coder in list_coders(session):
            line = summary.get(coder.id)
            assigned = None if line is None or line.sees_everything else line.assigned
            coders.append(PackageCoder(coder.name, coder.role, assigned))
    return PackageChoices(total, tuple(coders))
