"""The review a file is imported under: named on the command line, found by its symbol, its
metadata filled from the file."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator import states, upr_calendar
from annotator.importers.records import ImportBatch, ImportProblem, ReviewRecord
from annotator.services.importing.plan import ImportOptions, ImportPlan
from annotator.store.models import Review, State
from annotator.store.project import Project


def project_reviews(session: Session) -> dict[tuple[str, int], int]:
    """Reviews in the project by (state, cycle), as importers identify them."""
    rows = session.execute(select(Review.id, State.iso3, Review.cycle).join(State)).all()
    return {(iso3, cycle): rid for rid, iso3, cycle in rows}


def review_key(review: ReviewRecord) -> tuple[str, int]:
    return (review.state_iso3, review.cycle)


def with_review_named(batch: ImportBatch, options: ImportOptions) -> None:
    """The review named at import (--review China:4, A/HRC/56/6) with what the UPR
    calendar says of its session, on every recommendation of the batch."""
    named = options.review
    symbol = options.review_symbol
    if named is None and symbol is None:
        return
    if named is None and len(batch.reviews) != 1:
        return  # a symbol names one review; a file of many keeps what it says of each
    for record in batch.recommendations:
        review = record.review
        if named is not None and review_key(named) != review_key(review):
            continue
        fill: dict[str, Any] = {}
        if symbol and not review.report_symbol and "/ADD" not in symbol.upper():
            fill["report_symbol"] = symbol
        if named is not None:
            for name in ("session", "year", "report_symbol", "responses_symbol"):
                if getattr(review, name) is None and getattr(named, name) is not None:
                    fill[name] = getattr(named, name)
        if fill:
            record.review = dataclasses.replace(review, **fill)


def fill_review_metadata(session: Session, plan: ImportPlan, batch: ImportBatch) -> None:
    """What the batch says of its reviews fills what the project does not know yet:
    session, year and month (from the UPR calendar), report and addendum symbols. A
    value the project holds is never overwritten: a different one is a warning."""
    known = project_reviews(session)
    # A Working Group report says its own symbol and session where the reader found them.
    document = batch.document if batch.document and batch.document.kind == "report" else None
    for record in batch.reviews:
        rid = known.get(review_key(record))
        review = session.get(Review, rid) if rid else None
        if review is None:
            continue
        try:
            warnings = apply_review_metadata(
                session,
                review,
                session_number=record.session or (document.session if document else None),
                year=record.year,
                report_symbol=record.report_symbol or (document.symbol if document else None),
                responses_symbol=record.responses_symbol,
                overwrite=False,
            )
        except ValueError as error:
            plan.problems.append(ImportProblem(batch.file, None, None, str(error)))
            continue
        plan.problems.extend(ImportProblem(batch.file, None, None, w, "warning") for w in warnings)


def apply_review_metadata(
    session: Session,
    review: Review,
    *,
    session_number: int | None = None,
    year: int | None = None,
    report_symbol: str | None = None,
    responses_symbol: str | None = None,
    overwrite: bool = True,
) -> list[str]:
    """Set a review's session (its year and month from the UPR calendar) and symbols.

    Without ``overwrite`` only what is unknown is filled, and a different value given is
    a warning. Raises ValueError for a session of another cycle or a report symbol
    another review has. Returns the warnings."""
    warnings: list[str] = []
    label = f"{review.state.name}, cycle {review.cycle}"

    def put(name: str, value: object) -> None:
        if value is None:
            return
        held = getattr(review, name)
        if held is None or overwrite:
            setattr(review, name, value)
        elif held != value:
            warnings.append(
                f"{label} has {name.replace('_', ' ')} {held} in the project; this file "
                f"says {value}, which is not taken (change it with `annotator review set`)"
            )

    if session_number is not None:
        if upr_calendar.cycle_of_session(session_number) != review.cycle:
            raise ValueError(
                f"Working Group session {session_number} belongs to cycle "
                f"{upr_calendar.cycle_of_session(session_number)}, not to {label}"
            )
        put("session", session_number)
    # The calendar is the authority on a session's year; a review without a known
    # session keeps the year it was given.
    number = review.session
    known = upr_calendar.SESSIONS.get(number) if number is not None else None
    if known is not None:
        review.year, review.month = known.year, known.month
    elif number is not None:
        warnings.append(f"{label}: {upr_calendar.unknown_message(number)}")
        put("year", year)
    else:
        put("year", year)
    if report_symbol is not None:
        other = session.scalar(
            select(Review.id).where(Review.report_symbol == report_symbol, Review.id != review.id)
        )
        if other is not None:
            raise ValueError(f"another review already has the report symbol {report_symbol}")
        put("report_symbol", report_symbol)
    put("responses_symbol", responses_symbol)
    session.flush()
    return warnings


def response_review(
    session: Session, plan: ImportPlan, batch: ImportBatch, options: ImportOptions
) -> int | None:
    if options.review_symbol:
        rid = find_review_by_symbol(session, options.review_symbol)
        if rid is None:
            plan.problems.append(
                ImportProblem(
                    batch.file,
                    None,
                    None,
                    f"no review in the project has the report symbol {options.review_symbol}",
                )
            )
        return rid
    if options.review is not None:
        rid = session.scalar(
            select(Review.id)
            .join(State)
            .where(State.iso3 == options.review.state_iso3, Review.cycle == options.review.cycle)
        )
        if rid is None:
            state = states.by_iso3(options.review.state_iso3).name
            plan.problems.append(
                ImportProblem(
                    batch.file,
                    None,
                    None,
                    f"the project has no review of {state}, cycle {options.review.cycle}: "
                    "import its recommendations first",
                )
            )
        return rid
    document = batch.document
    if document is not None and document.symbol:
        # An addendum names itself "A/HRC/43/15/Add.1": its review is the one whose report
        # is A/HRC/43/15.
        report = re.sub(r"/Add\.\d+$", "", document.symbol.strip())
        rid = find_review_by_symbol(session, report)
        if rid is not None:
            return rid
    reviews = session.execute(select(Review.id)).scalars().all()
    if len(reviews) == 1:
        return reviews[0]
    plan.problems.append(
        ImportProblem(
            batch.file,
            None,
            None,
            "responses attach to the recommendations of one review: say which one "
            "(for example --review China:3 or --review A/HRC/40/6)",
        )
    )
    return None


def find_review_by_symbol(session: Session, symbol: str) -> int | None:
    """The review a report symbol (A/HRC/43/15) or its addendum's (…/Add.1) names."""
    rid = session.scalar(
        select(Review.id).where(
            (Review.report_symbol == symbol) | (Review.responses_symbol == symbol)
        )
    )
    if rid is None and "/ADD" in symbol.upper():
        base = symbol[: symbol.upper().index("/ADD")]
        rid = session.scalar(select(Review.id).where(Review.report_symbol == base))
    return rid


def describe_review(review: ReviewRecord) -> str:
    state = states.by_iso3(review.state_iso3).name
    parts = [f"{state}, cycle {review.cycle}"]
    if review.year:
        parts.append(str(review.year))
    if review.report_symbol:
        parts.append(review.report_symbol)
    return ", ".join(parts)


def parse_review(text: str) -> tuple[ReviewRecord | None, str | None]:
    """``--review`` as typed: 'China:3' (state and cycle) or a report symbol 'A/HRC/40/6'."""
    value = text.strip()
    if value.upper().startswith("A/HRC/"):
        return None, value
    state_text, sep, cycle_text = value.partition(":")
    if sep and cycle_text.strip().upper().startswith("A/HRC/"):
        # "Slovenia:A/HRC/43/15": the state and its report; the calendar gives the rest.
        return review_from_symbol(state_text, cycle_text.strip()), cycle_text.strip()
    state_text, sep, cycle_text = value.rpartition(":")
    if not sep:
        raise ValueError(
            f"'{text}' does not name a review: write STATE:CYCLE (China:3) or the report "
            "symbol (A/HRC/40/6)"
        )
    state = states.match_state(state_text)
    if state is None:
        raise ValueError(f"'{state_text}' is not a UN member or observer state")
    try:
        cycle = int(cycle_text)
    except ValueError:
        raise ValueError(f"'{cycle_text}' is not a UPR cycle (1 to 4)") from None
    if not 1 <= cycle <= 4:
        raise ValueError(f"{cycle} is not a UPR cycle (1 to 4)")
    return ReviewRecord(state.iso3, cycle), None


def review_from_symbol(state_text: str, symbol: str) -> ReviewRecord:
    """A review named by its state and report symbol, its session, cycle and year from
    the UPR calendar (the Council session of the symbol adopts one Working Group
    session's reports)."""
    state = states.match_state(state_text)
    if state is None:
        raise ValueError(f"'{state_text}' is not a UN member or observer state")
    sessions = upr_calendar.sessions_for_symbol(symbol)
    if not sessions:
        raise ValueError(
            f"{symbol} is not a Working Group report's symbol the UPR calendar knows "
            f"(Council sessions 8 to {upr_calendar.SESSIONS[upr_calendar.LAST_KNOWN].council})"
        )
    report = symbol if "/ADD" not in symbol.upper() else symbol[: symbol.upper().index("/ADD")]
    addendum = symbol if report != symbol else None
    if len(sessions) > 1:  # the Council's 8th session adopted sessions 1 and 2
        return ReviewRecord(state.iso3, sessions[0].cycle, None, sessions[0].year, report, addendum)
    found = sessions[0]
    return ReviewRecord(state.iso3, found.cycle, found.number, found.year, report, addendum)


def resolve_review(project: Project, options: ImportOptions) -> ImportOptions:
    """``--review A/HRC/43/15`` for a review the project has: its state and cycle, so
    that every format (a Working Group report too) can be imported under it."""
    if options.review is not None or not options.review_symbol:
        return options
    with project.session() as session:
        rid = find_review_by_symbol(session, options.review_symbol)
        if rid is None:
            return options
        review = session.get(Review, rid)
        assert review is not None
        record = ReviewRecord(
            review.state.iso3,
            review.cycle,
            review.session,
            review.year,
            review.report_symbol,
            review.responses_symbol,
        )
    return dataclasses.replace(options, review=record)
