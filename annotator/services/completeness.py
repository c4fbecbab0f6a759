"""Done means complete: which required fields a recommendation still lacks, and the
project's setting that may allow incomplete work to be marked done anyway.

Qt-free, so the window, a coding sheet's import and scripts share one rule. The setting
lives in ``project_info`` (a package made from the project carries it along)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from annotator.services import permissions
from annotator.store.models import ProjectInfo
from annotator.store.project import Project

if TYPE_CHECKING:  # coding.py applies this rule itself, so it cannot be imported here
    from annotator.services.coding import FieldValue, FormSpec

ALLOW_INCOMPLETE_DONE = "allow_incomplete_done"
ALLOW_INCOMPLETE_DONE_LABEL = "Allow recommendations marked done with required fields empty"
CHANGE_SETTINGS = permissions.Action("change the project's settings", permissions.COORDINATOR)


class IncompleteDone(ValueError):
    """Marking done was refused: required fields are empty (their labels in ``fields``)."""

    def __init__(self, fields: tuple[str, ...]) -> None:
        self.fields = fields
        several = len(fields) > 1
        names = f"{', '.join(fields[:-1])} and {fields[-1]}" if several else fields[0]
        super().__init__(
            f"Not marked done: {names} {'are' if several else 'is'} still empty. "
            f"Fill {'them' if several else 'it'} in, or flag the recommendation instead."
        )


def missing_required(spec: FormSpec, values: Mapping[int, FieldValue]) -> tuple[str, ...]:
    """The labels of the required fields left empty, in form order. A yes/no box is never
    missing: unticked is an answer (it is stored as no value)."""
    return tuple(
        f.label
        for f in spec.fields
        if f.required
        and f.kind != "boolean"
        and ((value := values.get(f.stored_id)) is None or value.empty)
    )


def allows_incomplete_done(project: Project) -> bool:
    return project.info(ALLOW_INCOMPLETE_DONE) == "1"


def allows_incomplete_done_in(session: Session) -> bool:
    """The setting, read in an open transaction (a save or a merge checks it there)."""
    row = session.get(ProjectInfo, ALLOW_INCOMPLETE_DONE)
    return row is not None and row.value == "1"


def set_allows_incomplete_done(project: Project, allowed: bool, by_coder_id: int | None) -> None:
    """Change the setting; only a coordinator may (NotPermitted otherwise)."""
    set_setting(project, ALLOW_INCOMPLETE_DONE, "1" if allowed else "0", by_coder_id)


def set_setting(project: Project, key: str, value: str, by_coder_id: int | None) -> None:
    """Change one of the project's settings; only a coordinator may."""
    with project.write() as session:
        permissions.require(session, by_coder_id, CHANGE_SETTINGS)
        row = session.get(ProjectInfo, key)
        if row is None:
            session.add(ProjectInfo(key=key, value=value))
        else:
            row.value = value


def done_refusal(
    project: Project, spec: FormSpec, values: Mapping[int, FieldValue]
) -> IncompleteDone | None:
    """The refusal to mark done these values, or None when done is allowed."""
    missing = missing_required(spec, values)
    if not missing or allows_incomplete_done(project):
        return None
    return IncompleteDone(missing)
