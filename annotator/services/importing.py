"""Importing recommendations and responses: read, preview, then write all or nothing.

Files are read first (``read_files``; readers never touch the database). Then
``run_import`` takes them one by one inside a single write transaction: each file is
compared with the project as the earlier files left it, and written. At the end the
transaction is committed, or rolled back for a preview (``annotator import --dry-run``,
the GUI's preview page), for an error anywhere, or for a cancel. So the preview is
exactly what the import would do, also when one import brings several files for the
same review, and a failed or cancelled import leaves the project as it was.

What happens to each incoming recommendation:
- new: its review has no recommendation with that number (or, for sources without
  numbers, nothing with that text) -> added;
- unchanged: the same number (or text) with the same text, response and source tags;
- updated: same number, but the text, response or this source's tags differ -> the
  text and tags are updated, annotations are never touched (and the report says what
  changed);
- linked: a source without numbers (UPR Info) matched a recommendation another source
  brought, by text restricted to the same recommending state -> its tags are attached;
- ambiguous / unmatched: reported, not added (adding them would duplicate
  recommendations already in the project under another wording).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from annotator import states, upr_calendar
from annotator.importers import detect
from annotator.importers.files import SourceFileError
from annotator.importers.numbers import resolve_serial
from annotator.importers.records import (
    ImportBatch,
    ImportProblem,
    RecommendationRecord,
    ResponseRecord,
    ReviewRecord,
    SourceDocument,
)
from annotator.recnumbers import sort_key
from annotator.responses import clean_wording, read_wording
from annotator.services import response_history
from annotator.services.bulk import write_batch
from annotator.store import fts
from annotator.store.models import (
    AuditEvent,
    Recommendation,
    RecommendationState,
    Review,
    SourceTag,
    State,
)
from annotator.store.project import Project

Progress = Callable[[str, int, int], None]

# Below this similarity (0-100, rapidfuzz token_set_ratio) two texts are different
# recommendations; measured on UPR Info against OHCHR wording of the same review, true
# pairs score above 95 and different recommendations to one state rarely above 80.
LINK_THRESHOLD = 90
AMBIGUITY_MARGIN = 2

_SPACE = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s;.,]+$")


class ImportCancelled(Exception):
    """Raised from a progress callback to stop an import; nothing is written."""


class ImportRefused(Exception):
    """The plan has errors; nothing was written."""

    def __init__(self, plan: ImportPlan) -> None:
        self.plan = plan
        super().__init__("\n".join(str(p) for p in plan.errors))


@dataclass
class ImportOptions:
    format: str | None = None  # None: detect from the file
    review: ReviewRecord | None = None  # the review named by the user, where a file lacks it
    review_symbol: str | None = None  # or named by its report symbol (A/HRC/40/6)
    mapping: dict[str, str] | None = None  # for the generic table format
    sheet: str | None = None


@dataclass
class RecommendationChange:
    record: RecommendationRecord
    action: str  # new, unchanged, updated, linked, already linked, ambiguous, unmatched
    recommendation_id: int | None = None
    changes: list[str] = field(default_factory=list)
    # For "linked": this source's tags for the recommendation, from every row linking to it.
    link_tags: set[tuple[str, str, str]] | None = None


@dataclass
class ResponseChange:
    record: ResponseRecord
    recommendation_id: int
    previous: str | None  # what this same document said before (None: it is new here)
    document: SourceDocument | None = None
    file: str = ""
    format: str = ""

    @property
    def changes_project(self) -> bool:
        return self.previous is None or self.previous != clean_wording(self.record.response)


@dataclass
class ImportPlan:
    batches: list[ImportBatch] = field(default_factory=list)
    recommendations: list[RecommendationChange] = field(default_factory=list)
    responses: list[ResponseChange] = field(default_factory=list)
    new_reviews: list[ReviewRecord] = field(default_factory=list)
    existing_reviews: list[ReviewRecord] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    response_review_id: int | None = None
    unanswered: list[str] = field(default_factory=list)  # numbers left without a response

    @property
    def errors(self) -> list[ImportProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[ImportProblem]:
        return [p for p in self.problems if p.severity == "warning"]

    def count(self, action: str) -> int:
        return sum(1 for c in self.recommendations if c.action == action)

    @property
    def joint(self) -> int:
        return sum(
            1
            for c in self.recommendations
            if c.action == "new" and len(c.record.recommending_names) > 1
        )

    def responses_by_category(self) -> Counter[str]:
        counted: Counter[str] = Counter()
        for change in self.recommendations:
            if change.action in {"new", "updated", "unchanged"}:
                counted[change.record.response or "no response"] += 1
        counted.update(r.record.response for r in self.responses)
        return counted

    @property
    def writes_anything(self) -> bool:
        return bool(
            self.count("new")
            or self.count("updated")
            or self.count("linked")
            or any(r.changes_project for r in self.responses)
        )


def read_files(
    paths: Sequence[Path], options: ImportOptions, progress: Progress | None = None
) -> list[ImportBatch]:
    """Read every file (nothing is written). A file that cannot be read at all becomes a
    batch holding one error, so the preview lists every file's trouble at once."""
    batches = []
    for path in paths:

        def step(done: int, total: int, name: str = path.name) -> None:
            if progress:
                progress(f"Reading {name}", done, total)

        try:
            fmt = options.format or detect.detect_format(path)
            batch = detect.read(
                fmt,
                path,
                review=options.review,
                mapping=options.mapping,
                sheet=options.sheet,
                progress=step,
            )
        except SourceFileError as error:
            batch = ImportBatch(file=path.name, format=options.format or "")
            message = str(error)
            if options.review is None and options.review_symbol:
                message += (
                    f" No review in the project has the symbol {options.review_symbol}: name "
                    f"its state too, for example --review Slovenia:{options.review_symbol}."
                )
            batch.problem(None, None, message)
        batches.append(batch)
    return batches


class _Rollback(Exception):
    pass


def run_import(
    project: Project,
    batches: Sequence[ImportBatch],
    options: ImportOptions | None = None,
    *,
    commit: bool,
    progress: Progress | None = None,
) -> ImportPlan:
    """Compare and write every batch in one transaction; commit only if asked and clean.

    With ``commit=False`` this is the preview: the same work, rolled back.
    Raises ImportRefused (nothing written) when ``commit`` is asked of a plan with errors,
    and lets ImportCancelled from ``progress`` through (nothing written).
    """
    options = options or ImportOptions()
    plan = ImportPlan(batches=list(batches))
    try:
        with project.write() as session:
            for batch in batches:
                plan.problems.extend(batch.problems)
                _with_review_named(batch, options)
                _check_announced_totals(plan, batch)
                known = _known_reviews(session)
                if batch.recommendations:
                    changes = _plan_recommendations(session, batch, known, progress)
                    _note_reviews(plan, changes, known)
                    plan.recommendations.extend(changes)
                    _apply_recommendations(session, batch, changes, progress)
                    _fill_review_metadata(session, plan, batch)
                if batch.responses:
                    responses = _plan_responses(session, plan, batch, options)
                    plan.responses.extend(responses)
                    _apply_responses(session, responses)
            if progress:
                progress("Saving", 1, 1)
            if not commit or plan.errors:
                raise _Rollback
            session.add(
                AuditEvent(
                    action="import",
                    entity="source",
                    after=json.dumps(summary(plan), ensure_ascii=False),
                )
            )
    except _Rollback:
        if commit:
            raise ImportRefused(plan) from None
    return plan


def _known_reviews(session: Session) -> dict[tuple[str, int], int]:
    """Reviews in the project by (state, cycle), as importers identify them."""
    rows = session.execute(select(Review.id, State.iso3, Review.cycle).join(State)).all()
    return {(iso3, cycle): rid for rid, iso3, cycle in rows}


def _review_key(review: ReviewRecord) -> tuple[str, int]:
    return (review.state_iso3, review.cycle)


def _note_reviews(
    plan: ImportPlan, changes: list[RecommendationChange], known: dict[tuple[str, int], int]
) -> None:
    for review in dict.fromkeys(c.record.review for c in changes):
        target = plan.existing_reviews if _review_key(review) in known else plan.new_reviews
        if review not in target:
            target.append(review)


_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "`": "'", "\u00b4": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
        "\u00ab": '"', "\u00bb": '"', "\u2010": "-", "\u2011": "-", "\u2012": "-",
        "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-", "[": "(", "]": ")",
        "{": "(", "}": ")", "\u00a0": " ",
    }
)  # fmt: skip
_INSIDE_BRACKETS = re.compile(r"\(\s+|\s+\)")
_TRAILING_BRACKET = re.compile(r"\s*\(([^()]*)\)\s*[;.,]*\s*$")


def normalise_text(text: str) -> str:
    """Text as two sources of one recommendation can both be compared: spacing, quotes,
    dashes and brackets made alike, and a trailing "(State)" (how reports and UPR Info
    name the recommending state) left out."""
    plain = _SPACE.sub(" ", text.translate(_QUOTES))
    if "(" in plain:
        plain = _INSIDE_BRACKETS.sub(lambda m: m.group(0).strip(), plain)
        if plain.rstrip(" ;.,").endswith(")"):
            found = _TRAILING_BRACKET.search(plain)
            if found and _names_states(found.group(1)):
                plain = plain[: found.start()]
    return _TRAILING.sub("", plain).strip().casefold()


def _names_states(inside: str) -> bool:
    parts = [p.strip() for p in re.split(r",|;| and ", inside) if p.strip()]
    return bool(parts) and all(states.match_state(p) is not None for p in parts)


@dataclass
class _Existing:
    id: int
    number: str | None
    text: str
    response: str | None  # the current response
    states: set[str]
    tags: set[tuple[str, str, str]]
    # What the document being imported said before, when it was imported before.
    said: tuple[str | None] | None = None


def _existing_recommendations(
    session: Session, review_id: int, document: tuple[str, str] | None = None
) -> list[_Existing]:
    rows = session.execute(
        select(
            Recommendation.id, Recommendation.number, Recommendation.text, Recommendation.response
        ).where(Recommendation.review_id == review_id)
    ).all()
    found = {
        rid: _Existing(rid, number, text, response, set(), set())
        for rid, number, text, response in rows
    }
    if not found:
        return []
    for rid, iso3 in session.execute(
        select(RecommendationState.recommendation_id, State.iso3)
        .join(State, State.id == RecommendationState.state_id)
        .join(Recommendation, Recommendation.id == RecommendationState.recommendation_id)
        .where(Recommendation.review_id == review_id)
    ):
        found[rid].states.add(iso3)
    for rid, source, kind, value in session.execute(
        select(SourceTag.recommendation_id, SourceTag.source, SourceTag.kind, SourceTag.value)
        .join(Recommendation, Recommendation.id == SourceTag.recommendation_id)
        .where(Recommendation.review_id == review_id)
    ):
        found[rid].tags.add((source, kind, value))
    if document is not None:
        said = response_history.existing_wordings(session, found, *document)
        for rid, wording in said.items():
            found[rid].said = (wording,)
    return list(found.values())


def _plan_recommendations(
    session: Session,
    batch: ImportBatch,
    known_reviews: dict[tuple[str, int], int],
    progress: Progress | None,
) -> list[RecommendationChange]:
    by_review: dict[ReviewRecord, list[RecommendationRecord]] = defaultdict(list)
    for record in batch.recommendations:
        by_review[record.review].append(record)
    changes = []
    done = 0
    total = len(batch.recommendations)
    document = response_history.document_of(batch)
    doc = (document.kind, response_history.document_key(document, batch.file))
    for review, records in by_review.items():
        review_id = known_reviews.get(_review_key(review))
        existing = _existing_recommendations(session, review_id, doc) if review_id else []
        matcher = _Matcher(existing)
        matcher.pair_numbers(records)
        review_changes = []
        for record in records:
            review_changes.append(matcher.classify(record))
            done += 1
            if progress and done % 500 == 0:
                progress(f"Comparing {batch.file} with the project", done, total)
        matcher.settle_links(review_changes)
        changes.extend(review_changes)
    if progress:
        progress(f"Comparing {batch.file} with the project", total, total)
    return changes


class _Matcher:
    """Finds where an incoming recommendation already is in one review."""

    def __init__(self, existing: list[_Existing]) -> None:
        self.existing = existing
        self.by_number = {e.number: e for e in existing if e.number}
        self.by_text: dict[str, list[_Existing]] = defaultdict(list)
        self.texts = [normalise_text(e.text) for e in existing]
        for e, text in zip(existing, self.texts, strict=True):
            self.by_text[text].append(e)

    def classify(self, record: RecommendationRecord) -> RecommendationChange:
        if record.number is not None:
            found = self.by_number.get(record.number)
            if found is not None:
                return self._compare(record, found)
            return self._numbered_onto_unnumbered(record)
        if not self.existing:
            return RecommendationChange(record, "new")
        candidates = self._text_candidates(record)
        if len(candidates) == 1:
            found = candidates[0]
            if found.number is None and not {t[0] for t in found.tags} - {record.source}:
                # This source's own recommendation again (a re-import): its text,
                # response and tags are this source's to update.
                return self._compare(record, found)
            # Another source's recommendation: only this source's tags are attached; the
            # text and response stay as that source gave them. Whether that changes
            # anything is settled per recommendation by ``settle_links``.
            return RecommendationChange(record, "linked", found.id, ["source tags"])
        if len(candidates) > 1:
            return RecommendationChange(
                record,
                "ambiguous",
                changes=[f"matches {len(candidates)} recommendations of the review"],
            )
        return RecommendationChange(record, "unmatched")

    def settle_links(self, changes: list[RecommendationChange]) -> None:
        """Several source rows may link to one recommendation (UPR Info splits what a
        matrix groups under one number): the recommendation gets the union of their tags,
        and is "already linked" when it holds exactly that union already."""
        groups: dict[int, list[RecommendationChange]] = defaultdict(list)
        for change in changes:
            if change.action == "linked" and change.recommendation_id is not None:
                groups[change.recommendation_id].append(change)
        by_id = {e.id: e for e in self.existing}
        for rid, group in groups.items():
            source = group[0].record.source
            union = {(t.source, t.kind, t.value) for c in group for t in c.record.tags}
            theirs = {t for t in by_id[rid].tags if t[0] == source}
            for change in group:
                change.link_tags = union
                if union == theirs:
                    change.action, change.changes = "already linked", []

    def pair_numbers(self, records: Sequence[RecommendationRecord]) -> None:
        """A numbered source (a matrix) after an unnumbered one (UPR Info) for one review:
        pair each numbered record with the unnumbered recommendation it is, one to one.

        All candidate pairs are scored together and taken best first (same recommending
        states, then the closest text, then document order), so that near-identical
        recommendations (the same call made by two states, a joint one split by UPR Info)
        are numbered in turn instead of being dropped as ambiguous."""
        self.paired: dict[int, _Existing] = {}
        incoming = [
            (index, record)
            for index, record in enumerate(records)
            if record.number is not None and record.number not in self.by_number
        ]
        unnumbered = [
            (e, text) for e, text in zip(self.existing, self.texts, strict=True) if e.number is None
        ]
        if not incoming or not unnumbered:
            return
        pool = {i: text for i, (_, text) in enumerate(unnumbered)}
        scored: list[tuple[float, int, int]] = []
        for index, record in incoming:
            wanted = set(record.recommending_iso3)
            key = normalise_text(record.text)
            for _, score, i in process.extract(
                key, pool, scorer=fuzz.token_set_ratio, score_cutoff=LINK_THRESHOLD, limit=8
            ):
                e = unnumbered[i][0]
                if wanted and e.states and not wanted & e.states:
                    continue
                bonus = (3 if wanted == e.states else 0) + (2 if pool[i] == key else 0)
                bonus += fuzz.ratio(key, pool[i]) / 100
                scored.append((score + bonus, index, i))
        taken_records: set[int] = set()
        taken: set[int] = set()
        for _, index, i in sorted(scored, key=lambda t: (-t[0], t[1], t[2])):
            if index in taken_records or i in taken:
                continue
            taken_records.add(index)
            taken.add(i)
            self.paired[id(records[index])] = unnumbered[i][0]

    def _numbered_onto_unnumbered(self, record: RecommendationRecord) -> RecommendationChange:
        """The unnumbered recommendation paired with this numbered record gets the number,
        text and response of the numbered source, which is the UN's own; its annotations
        stay. A record paired with none is new."""
        found = getattr(self, "paired", {}).get(id(record))
        if found is None:
            return RecommendationChange(record, "new")
        change = self._compare(record, found)
        change.action = "updated"
        change.changes.insert(0, "number")
        found.number = record.number
        return change

    def _text_candidates(
        self, record: RecommendationRecord, numbered: bool = True
    ) -> list[_Existing]:
        wanted = set(record.recommending_iso3)

        def same_state(e: _Existing) -> bool:
            if not numbered and e.number is not None:
                return False
            return not wanted or not e.states or bool(wanted & e.states)

        key = normalise_text(record.text)
        exact = [e for e in self.by_text.get(key, []) if same_state(e)]
        if exact:
            return exact
        pool = [
            (i, t)
            for i, (t, e) in enumerate(zip(self.texts, self.existing, strict=True))
            if same_state(e)
        ]
        if not pool:
            return []
        scored = process.extract(
            key,
            {i: t for i, t in pool},
            scorer=fuzz.token_set_ratio,
            score_cutoff=LINK_THRESHOLD,
            limit=3,
        )
        if not scored:
            return []
        best = scored[0][1]
        return [self.existing[i] for _, score, i in scored if best - score <= AMBIGUITY_MARGIN]

    @staticmethod
    def _compare(record: RecommendationRecord, found: _Existing) -> RecommendationChange:
        changes = []
        if _SPACE.sub(" ", found.text).strip() != _SPACE.sub(" ", record.text).strip():
            changes.append("text")
        # Against what this document said before; a document new to the recommendation
        # changes its response when it says something else than the current one.
        incoming_response = clean_wording(record.response)
        before = found.said[0] if found.said is not None else found.response
        if incoming_response and incoming_response != before:
            changes.append("response")
        theirs = {t for t in found.tags if t[0] == record.source}
        mine = {(t.source, t.kind, t.value) for t in record.tags}
        if mine != theirs:
            changes.append("source tags")
        action = "updated" if changes else "unchanged"
        return RecommendationChange(record, action, found.id, changes)


def _plan_responses(
    session: Session, plan: ImportPlan, batch: ImportBatch, options: ImportOptions
) -> list[ResponseChange]:
    review_id = _response_review(session, plan, batch, options)
    if review_id is None:
        return []
    plan.response_review_id = review_id
    document = response_history.document_of(batch)
    if document.kind == "addendum" and document.symbol:
        review = session.get(Review, review_id)
        if review is not None and review.responses_symbol is None:
            review.responses_symbol = document.symbol
    rows = session.execute(
        select(
            Recommendation.number, Recommendation.id, Recommendation.text, Recommendation.response
        ).where(Recommendation.review_id == review_id, Recommendation.number.is_not(None))
    ).all()
    numbers = {number: rid for number, rid, _, _ in rows}
    texts = {number: text for number, _, text, _ in rows}
    # Settled before: a preliminary position the report gave ("enjoys the support of"),
    # which an addendum need not repeat; "will be examined" settles nothing.
    settled = {
        number
        for number, _, _, response in rows
        if (reading := read_wording(response)) is not None and reading.category != "other"
    }
    before = response_history.existing_wordings(
        session,
        numbers.values(),
        document.kind,
        response_history.document_key(document, batch.file),
    )
    answered = set()
    changes = []
    for record in batch.responses:
        rid = numbers.get(record.number)
        serial = None if rid is not None else resolve_serial(record.number, numbers)
        if serial is not None:  # "Rec. 18" in an addendum that counts 1, 2, 3 ...
            record = dataclasses.replace(record, number=serial)
            rid = numbers[serial]
        if rid is None:
            plan.problems.append(
                ImportProblem(
                    batch.file,
                    record.row,
                    None,
                    f"recommendation {record.number} is listed{_on_page(record.page)}, but "
                    "the review has no recommendation with that number; its response was "
                    "not read",
                    "warning",
                    unit="line" if record.page is not None else "row",
                )
            )
            continue
        answered.add(record.number)
        changes.append(
            ResponseChange(record, rid, before.get(rid), document, batch.file, batch.format)
        )
    plan.unanswered = sorted(set(numbers) - answered - settled, key=sort_key)
    for number in plan.unanswered:
        text = texts[number]
        short = text if len(text) <= 60 else text[:59] + "…"
        plan.problems.append(
            ImportProblem(
                batch.file,
                None,
                None,
                f'recommendation {number} ("{short}") is left without a response in this document',
                "warning",
            )
        )
    return changes


def _on_page(page: int | None) -> str:
    return f" on page {page}" if page is not None else ""


def _check_announced_totals(plan: ImportPlan, batch: ImportBatch) -> None:
    """The totals the state announces ("217 are supported and 37 noted") against what
    was read; a mismatch is a warning naming both figures."""
    if not batch.announced_totals or batch.totals_checked:
        return
    read: Counter[str] = Counter()
    wordings = [r.response for r in batch.responses] + [r.response for r in batch.recommendations]
    for wording in wordings:
        reading = read_wording(wording)
        if reading is not None:
            read[reading.category] += 1
    announced_categories = {
        (read_wording(w) or read_wording("other")).category  # type: ignore[union-attr]
        for w in batch.announced_totals
    }
    # "accepted" announced as one figure covers the wordings that add "already implemented".
    if "accepted-implemented" not in announced_categories:
        read["accepted"] += read.pop("accepted-implemented", 0)
    for wording, total in batch.announced_totals.items():
        reading = read_wording(wording)
        found = read.get(reading.category, 0) if reading else 0
        if found != total:
            plan.problems.append(
                ImportProblem(
                    batch.file,
                    None,
                    None,
                    f"the document announces {total} recommendations {wording}, but "
                    f"{found} were read as {reading.category if reading else wording}",
                    "warning",
                )
            )


def _with_review_named(batch: ImportBatch, options: ImportOptions) -> None:
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
        if named is not None and _review_key(named) != _review_key(review):
            continue
        fill = {}
        if symbol and not review.report_symbol and "/ADD" not in symbol.upper():
            fill["report_symbol"] = symbol
        if named is not None:
            for name in ("session", "year", "report_symbol", "responses_symbol"):
                if getattr(review, name) is None and getattr(named, name) is not None:
                    fill[name] = getattr(named, name)
        if fill:
            record.review = dataclasses.replace(review, **fill)


def _fill_review_metadata(session: Session, plan: ImportPlan, batch: ImportBatch) -> None:
    """What the batch says of its reviews fills what the project does not know yet:
    session, year and month (from the UPR calendar), report and addendum symbols. A
    value the project holds is never overwritten: a different one is a warning."""
    known = _known_reviews(session)
    # A Working Group report says its own symbol and session where the reader found them.
    document = batch.document if batch.document and batch.document.kind == "report" else None
    for record in batch.reviews:
        rid = known.get(_review_key(record))
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


def _response_review(
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


def _apply_recommendations(
    session: Session,
    batch: ImportBatch,
    changes: list[RecommendationChange],
    progress: Progress | None,
) -> None:
    document = response_history.document_of(batch)
    new = [c for c in changes if c.action == "new"]
    if new:
        if progress:
            progress("Adding recommendations", 0, len(new))
        written = write_batch(session, ImportBatch(recommendations=[c.record for c in new]))
        for change, rid in zip(new, written.recommendation_ids, strict=True):
            change.recommendation_id = rid
        response_history.record_new(
            session,
            document,
            batch.file,
            batch.format,
            [_entry(c) for c in new if c.recommendation_id is not None],
        )
        if progress:
            progress("Adding recommendations", len(new), len(new))
    # This document's responses to recommendations already in the project join their
    # history (the same document again changes nothing).
    response_history.record(
        session,
        document,
        batch.file,
        batch.format,
        [
            _entry(c)
            for c in changes
            if c.action in {"updated", "unchanged"} and c.recommendation_id is not None
        ],
    )
    touched = [c for c in changes if c.action == "updated"]
    linked = {c.recommendation_id: c for c in changes if c.action == "linked"}
    touched.extend(linked.values())  # one write per recommendation, with all rows' tags
    for done, change in enumerate(touched, start=1):
        _apply_change(session, change)
        if progress and done % 500 == 0:
            progress("Updating recommendations", done, len(touched))
    fts.index(session.connection(), [c.recommendation_id for c in touched if "text" in c.changes])
    session.flush()


def _entry(change: RecommendationChange) -> response_history.NewEntry:
    assert change.recommendation_id is not None
    record = change.record
    return response_history.NewEntry(
        change.recommendation_id, record.response, record.response_explanation, record.row
    )


def _apply_responses(session: Session, responses: list[ResponseChange]) -> None:
    if not responses:
        return
    first = responses[0]
    response_history.record(
        session,
        first.document or SourceDocument(kind="addendum"),
        first.file,
        first.format,
        [
            response_history.NewEntry(
                r.recommendation_id,
                r.record.response,
                r.record.explanation,
                r.record.row,
                r.record.page,
            )
            for r in responses
        ],
    )


def _apply_change(session: Session, change: RecommendationChange) -> None:
    record = change.record
    rid = change.recommendation_id
    if change.action == "updated":
        values: dict = {}
        if "number" in change.changes:
            values.update(number=record.number, sort_key=sort_key(record.number))
        if "text" in change.changes:
            values["text"] = record.text
            values["recommending_text"] = record.recommending_text
        # The response is not written here: it joins the history, which decides
        # which response is current.
        if values:
            session.execute(update(Recommendation).where(Recommendation.id == rid).values(**values))
    # This source's tags are replaced as a whole; other sources' tags stay.
    session.execute(
        delete(SourceTag).where(
            SourceTag.recommendation_id == rid, SourceTag.source == record.source
        )
    )
    tags = (
        change.link_tags
        if change.link_tags is not None
        else {(t.source, t.kind, t.value) for t in record.tags}
    )
    session.add_all(
        SourceTag(recommendation_id=rid, source=source, kind=kind, value=value)
        for source, kind, value in sorted(tags)
    )


def summary(plan: ImportPlan) -> dict:
    return {
        "files": [b.file for b in plan.batches],
        "formats": sorted({b.format for b in plan.batches if b.format}),
        "new_reviews": len(plan.new_reviews),
        "existing_reviews": len(plan.existing_reviews),
        "recommendations": {
            action: plan.count(action)
            for action in (
                "new",
                "updated",
                "unchanged",
                "linked",
                "already linked",
                "ambiguous",
                "unmatched",
            )
        },
        "joint_recommendations": plan.joint,
        "rows_merged_into_joint": sum(b.joint_merged for b in plan.batches),
        "responses": dict(plan.responses_by_category()),
        "errors": len(plan.errors),
        "warnings": len(plan.warnings),
    }


def describe(plan: ImportPlan, *, limit: int = 50) -> list[str]:
    """The preview / report as lines a person reads."""
    lines = []
    for batch in plan.batches:
        what = f" ({batch.format})" if batch.format else ""
        lines.append(f"File: {batch.file}{what}")
        lines.extend(f"  {note}" for note in batch.notes)
    for label, reviews in (
        ("New reviews", plan.new_reviews),
        ("Reviews already in the project", plan.existing_reviews),
    ):
        if reviews:
            lines.append(f"{label}: {len(reviews)}")
            lines.extend(f"  {_review_label(r)}" for r in reviews[:limit])
    counts = summary(plan)["recommendations"]
    if plan.recommendations:
        lines.append(
            f"Recommendations: {counts['new']} new, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged"
        )
        matching = ("linked", "already linked", "ambiguous", "unmatched")
        if any(counts[action] for action in matching):
            lines.append(
                f"Matched to recommendations already in the project: {counts['linked']} "
                f"linked, {counts['already linked']} linked before, {counts['ambiguous']} "
                f"ambiguous, {counts['unmatched']} unmatched "
                "(ambiguous and unmatched ones are not added)"
            )
            # The coordinator has to find these rows in the file to fix or link them
            # by hand, so each names its file and row and starts its text.
            left_out = [c for c in plan.recommendations if c.action in {"ambiguous", "unmatched"}]
            for change in left_out[:limit]:
                lines.append(f"  {_left_out_label(plan, change)}")
            if len(left_out) > limit:
                lines.append(f"  … and {len(left_out) - limit} more")
        lines.append(f"Joint recommendations (several recommending states): {plan.joint}")
        merged = sum(b.joint_merged for b in plan.batches)
        if merged:
            lines.append(f"Source rows merged into joint recommendations: {merged}")
        for change in plan.recommendations:
            if change.action == "updated" and len(lines) < limit * 3:
                number = change.record.number or "(no number)"
                lines.append(f"  {number}: {', '.join(change.changes)} changed")
    if plan.responses:
        changed = sum(1 for r in plan.responses if r.changes_project)
        lines.append(f"Responses: {len(plan.responses)} read, {changed} change the project")
        if plan.unanswered:
            shown = ", ".join(plan.unanswered[:limit])
            more = (
                f" and {len(plan.unanswered) - limit} more" if len(plan.unanswered) > limit else ""
            )
            lines.append(f"Recommendations left without a response: {shown}{more}")
    categories = plan.responses_by_category()
    if categories:
        lines.append("Responses by category:")
        lines.extend(f"  {name}: {count}" for name, count in categories.most_common())
    if plan.problems:
        lines.append(f"Problems: {len(plan.errors)} errors, {len(plan.warnings)} warnings")
        lines.extend(f"  {p}" for p in plan.problems[:limit])
        if len(plan.problems) > limit:
            lines.append(f"  … and {len(plan.problems) - limit} more")
    return lines


def _left_out_label(plan: ImportPlan, change: RecommendationChange) -> str:
    record = change.record
    file = next((b.file for b in plan.batches if any(r is record for r in b.recommendations)), "")
    place = ", ".join(
        part for part in (file, f"row {record.row}" if record.row is not None else "") if part
    )
    by = ", ".join(record.recommending_names) or "no recommending state"
    text = record.text if len(record.text) <= 70 else record.text[:69] + "…"
    why = "; ".join(change.changes) or "no recommendation of the review is like it"
    return f'{change.action}: {place} ({by}) "{text}": {why}'


def _review_label(review: ReviewRecord) -> str:
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


def import_files(
    project: Project,
    paths: Sequence[Path],
    options: ImportOptions | None = None,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportPlan:
    """Read and import files (or, with ``dry_run``, only preview): the whole import."""
    options = resolve_review(project, options or ImportOptions())
    batches = read_files(paths, options, progress)
    return run_import(project, batches, options, commit=not dry_run, progress=progress)
