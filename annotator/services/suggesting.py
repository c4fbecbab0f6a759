"""When the coding form shows theme suggestions, and the trace they leave.

Qt-free: the window, the CLI and scripts share one rule. Two project settings (in
``project_info``, so a package made from the project carries them), both changed by a
coordinator only:

- ``suggestions_mode``: "off", "always" or "after_first_save" (the default: a coder's
  first judgement on a recommendation is their own, and the suggestions then save the
  key presses of the themes they missed);
- ``suggestions_on_overlap``: "1" to show suggestions on the double-coding overlap sample
  too. Off by default: suggestions seen by both coders would inflate their agreement.

What was shown is recorded per coder and recommendation (``coding_status.
suggestions_shown``), what was accepted per code (``annotation.accepted_suggestion``),
so reliability can be measured on units no suggestion could have influenced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from annotator.services import permissions, suggestion_models
from annotator.services.codebook.store import active_codebook
from annotator.services.coding import start_status
from annotator.services.completeness import set_setting
from annotator.store.models import (
    Annotation,
    Assignment,
    CodingStatus,
    Recommendation,
)
from annotator.store.project import Project

MODE = "suggestions_mode"
ON_OVERLAP = "suggestions_on_overlap"
MODES = ("off", "always", "after_first_save")
DEFAULT_MODE = "after_first_save"
MODE_LABELS = {
    "off": "Off",
    "always": "Always",
    "after_first_save": "After the coder's first save on a recommendation",
}
ON_OVERLAP_LABEL = "Show suggestions on double-coded recommendations too"
TOP = 5  # Alt+1..Alt+5


@dataclass(frozen=True)
class Suggestion:
    rank: int  # 1..5: the key Alt+rank accepts it
    code_key: str
    code_id: int
    label: str
    score: float


@dataclass(frozen=True)
class Shown:
    """What the form shows: suggestions, or ``reason`` why none (then ``items`` is empty)."""

    items: tuple[Suggestion, ...]
    reason: str | None
    field_id: int | None = None
    source: str = ""


def mode(project: Project) -> str:
    value = project.info(MODE)
    return value if value in MODES else DEFAULT_MODE


def shows_on_overlap(project: Project) -> bool:
    return project.info(ON_OVERLAP) == "1"


def set_mode(project: Project, new: str, by_coder_id: int | None) -> None:
    """Change when suggestions show; only a coordinator may (NotPermitted otherwise)."""
    if new not in MODES:
        raise ValueError(f"Suggestions can be {', '.join(MODES)}; not {new!r}.")
    set_setting(project, MODE, new, by_coder_id)


def set_shows_on_overlap(project: Project, shown: bool, by_coder_id: int | None) -> None:
    set_setting(project, ON_OVERLAP, "1" if shown else "0", by_coder_id)


def settings_line(project: Project) -> str:
    """The two settings in a sentence, for ``annotator info``."""
    overlap = "on" if shows_on_overlap(project) else "not on"
    return (
        f"Suggestions shown: {MODE_LABELS[mode(project)].lower()}; "
        f"{overlap} double-coded recommendations."
    )


def is_overlap(session: Session, coder_id: int, recommendation_id: int) -> bool:
    """In the double-coding sample: assigned to two coders or more, or already started
    by another coder (a project without assignments double-codes that way)."""
    assigned = session.scalar(
        select(func.count())
        .select_from(Assignment)
        .where(Assignment.recommendation_id == recommendation_id)
    )
    if (assigned or 0) >= 2:
        return True
    other = session.scalar(
        select(CodingStatus.coder_id).where(
            CodingStatus.recommendation_id == recommendation_id,
            CodingStatus.coder_id != coder_id,
        )
    )
    return other is not None


def has_saved(session: Session, coder_id: int, recommendation_id: int) -> bool:
    """The coder has saved a value on this recommendation (any field)."""
    found = session.scalar(
        select(Annotation.id).where(
            Annotation.recommendation_id == recommendation_id, Annotation.coder_id == coder_id
        )
    )
    return found is not None


def suggestions_for(
    project: Project,
    coder_id: int,
    recommendation_id: int,
    loaded: suggestion_models.LoadedModel | None = None,
    missing: str | None = None,
) -> Shown:
    """The top suggestions to show this coder on this recommendation now, or why none.
    ``loaded``: a model already at hand (the window's, retrained in the background);
    ``missing``: with no model at hand, why, so that none is looked for here (the
    look-up reads every coded recommendation: the window does it off its thread)."""
    current = mode(project)
    if current == "off":
        return Shown((), "Suggestions are off for this project.")
    with project.session() as session:
        if not shows_on_overlap(project) and is_overlap(session, coder_id, recommendation_id):
            return Shown(
                (), "No suggestions on double-coded recommendations (they would sway agreement)."
            )
        if current == "after_first_save" and not has_saved(session, coder_id, recommendation_id):
            return Shown((), "Suggestions appear once you have saved a value here.")
        text = session.scalar(
            select(Recommendation.text).where(Recommendation.id == recommendation_id)
        )
        codebook = active_codebook(session)
    model = loaded
    if model is None and missing is None:
        model = suggestion_models.current_model(project)
    chosen = None if codebook is None else suggestion_models.suggestion_field(codebook)
    if model is None or chosen is None:
        return Shown((), missing or suggestion_models.status_line(project))
    ids = {c.key: c.stored_id for c in chosen.codes}
    items = tuple(
        Suggestion(rank, key, ids[key], label, score)
        for rank, (key, label, score) in enumerate(
            suggestion_models.suggest(model, text or "", TOP), start=1
        )
        if key in ids
    )
    return Shown(items, None, chosen.stored_id, model.source)


def record_shown(project: Project, coder_id: int, recommendation_id: int) -> None:
    """The coder has suggestions on screen here. A coder with no status yet gets one
    ('in progress'): seeing suggestions is work begun on the recommendation."""
    with project.write() as session:
        permissions.require(session, coder_id, permissions.CODE)
        start_status(session, recommendation_id, coder_id, datetime.now(UTC))
        session.flush()
        session.execute(
            update(CodingStatus)
            .where(
                CodingStatus.recommendation_id == recommendation_id,
                CodingStatus.coder_id == coder_id,
            )
            .values(suggestions_shown=True)
        )


def units_with_suggestions(session: Session) -> set[int]:
    """Recommendations on which any coder had suggestions shown."""
    return set(
        session.scalars(
            select(CodingStatus.recommendation_id)
            .where(CodingStatus.suggestions_shown.is_(True))
            .distinct()
        )
    )
