"""The reliability window's calls: each opens the project's session itself and returns
plain results, so the window holds no database code."""

from __future__ import annotations

from collections.abc import Iterable

from annotator.services.reliability_report.ratings import ProgressFn
from annotator.services.reliability_report.report import Report, report
from annotator.store.project import Project


def coders_to_compare(project: Project, *, by_coder_id: int | None) -> list[str]:
    """The coders who share a recommendation with another coder, by name; NotPermitted
    for a coder (they code blind)."""
    from annotator.services.adjudication import coders_who_coded

    with project.session() as session:
        return coders_who_coded(session, by_coder_id=by_coder_id)


def measure(
    project: Project,
    *,
    by_coder_id: int | None,
    coders: Iterable[str] | None = None,
    by_code: bool = True,
    bootstrap: int = 0,
    progress: ProgressFn | None = None,
    without_suggestions: bool = False,
) -> Report:
    """The report of every coded field, as the reliability window shows it."""
    with project.session() as session:
        return report(
            session,
            by_coder_id=by_coder_id,
            coders=coders,
            by_code=by_code,
            bootstrap=bootstrap,
            project_name=project.display_name,
            progress=progress,
            without_suggestions=without_suggestions,
        )
