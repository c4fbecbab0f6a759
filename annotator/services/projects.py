"""Creating projects and describing what they hold."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from annotator import codebook as cbk
from annotator.paths import resource_path
from annotator.services.bulk import ensure_states
from annotator.services.codebook import active_codebook_row, store_codebook
from annotator.services.coders import get_or_create_coder
from annotator.services.importing import ImportPlan, ImportRefused, import_files
from annotator.store.errors import ProjectError
from annotator.store.models import Coder, CodingStatus, Recommendation, Review, State
from annotator.store.project import Project, open_project
from annotator.vocabulary import STATUSES

SAMPLE_FILE = ("sample", "china_cycle3_2018_matrix.docx")
STATUS_ORDER = STATUSES


def init_project(
    target: str | Path,
    *,
    codebook: cbk.Codebook | None = None,
    sample: bool = False,
    coordinator: str | None = None,
) -> Project:
    """Create a project with the UN states and a codebook (the built-in one by default).

    ``coordinator`` is the person creating it, who becomes its coordinator; without one
    the project has none until someone claims the role (see services.coders)."""
    project = open_project(target, create=True)
    try:
        with project.write() as session:
            if active_codebook_row(session) is not None:
                raise ProjectError(
                    f"{project.display_name} is already a project; "
                    "open it instead, or choose another file."
                )
            ensure_states(session)
            if coordinator is not None:
                get_or_create_coder(session, coordinator, role="coordinator")
            store_codebook(session, codebook or cbk.builtin_codebook())
        if sample:
            load_sample(project)
    except BaseException:
        project.close()
        raise
    return project


def sample_path() -> Path:
    return resource_path(*SAMPLE_FILE)


def load_sample(project: Project) -> ImportPlan:
    """Load the bundled sample, China's 2018 review, through the importer like any file."""
    try:
        return import_files(project, [sample_path()])
    except ImportRefused as refused:
        raise ProjectError(f"The bundled sample could not be imported:\n{refused}") from None


@dataclass
class ReviewSummary:
    state: str
    cycle: int
    year: int | None
    report_symbol: str | None
    recommendations: int


@dataclass
class CoderSummary:
    name: str
    role: str
    by_status: dict[str, int] = field(default_factory=dict)


@dataclass
class ProjectSummary:
    location: str
    codebook: str
    reviews: list[ReviewSummary]
    recommendations: int
    coders: list[CoderSummary]


def summarise(project: Project) -> ProjectSummary:
    with project.session() as session:
        reviews = [
            ReviewSummary(state, cycle, year, symbol, count)
            for state, cycle, year, symbol, count in session.execute(
                select(
                    State.name,
                    Review.cycle,
                    Review.year,
                    Review.report_symbol,
                    func.count(Recommendation.id),
                )
                .join(State, Review.state_id == State.id)
                .outerjoin(Recommendation, Recommendation.review_id == Review.id)
                .group_by(Review.id, State.name)
                .order_by(State.name, Review.cycle)
            )
        ]
        total = session.scalar(select(func.count(Recommendation.id))) or 0
        counts: dict[int, dict[str, int]] = {}
        for coder_id, status, count in session.execute(
            select(CodingStatus.coder_id, CodingStatus.status, func.count()).group_by(
                CodingStatus.coder_id, CodingStatus.status
            )
        ):
            counts.setdefault(coder_id, {})[status] = count
        coders = []
        for coder in session.scalars(select(Coder).order_by(Coder.name)):
            own = counts.get(coder.id, {})
            by_status = {status: own.get(status, 0) for status in STATUS_ORDER}
            by_status["not_started"] = total - sum(own.values())
            coders.append(CoderSummary(coder.name, coder.role, by_status))
        book = active_codebook_row(session)
        codebook = f"{book.name} (version {book.version})" if book else "none"
    return ProjectSummary(project.display_name, codebook, reviews, total, coders)
