"""A project's reviews and their metadata: session, year and month, report symbols.

The session's dates come from the UPR calendar (``annotator.upr_calendar``); a
session the calendar does not hold leaves the year as given, with a warning.
Reviews are listed in the order analyses use: by state, then cycle, then date.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator import upr_calendar
from annotator.services.analysis_data import find_review
from annotator.services.importing import apply_review_metadata
from annotator.store.models import AuditEvent, Recommendation, Review, State
from annotator.store.project import Project

_REPORT = re.compile(r"^A/HRC/\d+/\d+$")
_ADDENDUM = re.compile(r"^A/HRC/\d+/\d+/Add\.\d+$")


@dataclass(frozen=True)
class ReviewInfo:
    id: int
    state: str
    cycle: int
    session: int | None
    year: int | None
    month: int | None
    report_symbol: str | None
    responses_symbol: str | None
    recommendations: int

    @property
    def label(self) -> str:
        return f"{self.state}:{self.cycle}"

    @property
    def dates(self) -> str:
        known = upr_calendar.SESSIONS.get(self.session) if self.session else None
        if known is not None:
            return str(known)
        if self.session is not None:
            return f"session {self.session} (not in the UPR calendar)"
        return "session unknown"


def list_reviews(session: Session) -> list[ReviewInfo]:
    counts = dict(
        session.execute(
            select(Recommendation.review_id, func.count()).group_by(Recommendation.review_id)
        ).all()
    )
    rows = session.execute(
        select(Review, State.name)
        .join(State, State.id == Review.state_id)
        .order_by(State.name, Review.cycle, Review.year, Review.month)
    ).all()
    return [
        ReviewInfo(
            r.id,
            name,
            r.cycle,
            r.session,
            r.year,
            r.month,
            r.report_symbol,
            r.responses_symbol,
            counts.get(r.id, 0),
        )
        for r, name in rows
    ]


def project_reviews(project: Project) -> list[ReviewInfo]:
    """Every review of the project with its metadata and number of recommendations."""
    with project.session() as session:
        return list_reviews(session)


def set_review(
    project: Project,
    which: str,
    *,
    session_number: int | None = None,
    year: int | None = None,
    report_symbol: str | None = None,
    responses_symbol: str | None = None,
) -> tuple[ReviewInfo, list[str]]:
    """Set a review's metadata (``which``: STATE:CYCLE or its report symbol).

    ValueError for a review not in the project, a session of another cycle, a symbol
    another review has, or a year given for a session the calendar knows otherwise."""
    if report_symbol is not None and not _REPORT.match(report_symbol.strip()):
        raise ValueError(f"'{report_symbol}' is not a Working Group report's symbol (A/HRC/43/15)")
    if responses_symbol is not None and not _ADDENDUM.match(responses_symbol.strip()):
        raise ValueError(f"'{responses_symbol}' is not an addendum's symbol (A/HRC/43/15/Add.1)")
    report_symbol = report_symbol.strip() if report_symbol else None
    responses_symbol = responses_symbol.strip() if responses_symbol else None
    if session_number is not None and year is not None:
        known = upr_calendar.SESSIONS.get(session_number)
        if known is not None and known.year != year:
            raise ValueError(
                f"Working Group {known} met in {known.year}, not {year}: give the session "
                "alone, the year comes from the UPR calendar"
            )
    with project.write() as session:
        review = session.get(Review, find_review(session, which))
        assert review is not None
        before = _facts(review)
        warnings = apply_review_metadata(
            session,
            review,
            session_number=session_number,
            year=year,
            report_symbol=report_symbol,
            responses_symbol=responses_symbol,
        )
        if year is not None and review.session is None:
            review.year = year
        after = _facts(review)
        if after != before:
            session.add(
                AuditEvent(
                    action="review.set",
                    entity="review",
                    before=json.dumps(before),
                    after=json.dumps(after),
                )
            )
        info = next(i for i in list_reviews(session) if i.id == review.id)
    return info, warnings


def _facts(review: Review) -> dict:
    return {
        "review": str(review.uuid),
        "session": review.session,
        "year": review.year,
        "month": review.month,
        "report_symbol": review.report_symbol,
        "responses_symbol": review.responses_symbol,
    }
