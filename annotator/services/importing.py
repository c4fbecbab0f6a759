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

from annotator import states
from annotator.importers import detect
from annotator.importers.files import SourceFileError
from annotator.importers.numbers import resolve_serial
from annotator.importers.records import (
    ImportBatch,
    ImportProblem,
    RecommendationRecord,
    ResponseRecord,
    ReviewRecord,
)
from annotator.recnumbers import sort_key
from annotator.responses import clean_wording, normalise_position
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
    previous: str | None


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
            or any(r.previous != r.record.response for r in self.responses)
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
            batch.problem(None, None, str(error))
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
                known = _known_reviews(session)
                if batch.recommendations:
                    changes = _plan_recommendations(session, batch, known, progress)
                    _note_reviews(plan, changes, known)
                    plan.recommendations.extend(changes)
                    _apply_recommendations(session, changes, progress)
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


def normalise_text(text: str) -> str:
    return _TRAILING.sub("", _SPACE.sub(" ", text)).strip().casefold()


@dataclass
class _Existing:
    id: int
    number: str | None
    text: str
    response: str | None
    states: set[str]
    tags: set[tuple[str, str, str]]


def _existing_recommendations(session: Session, review_id: int) -> list[_Existing]:
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
    for review, records in by_review.items():
        review_id = known_reviews.get(_review_key(review))
        existing = _existing_recommendations(session, review_id) if review_id else []
        matcher = _Matcher(existing)
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
        for e in existing:
            self.by_text[normalise_text(e.text)].append(e)
        self.texts = [normalise_text(e.text) for e in existing]

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

    def _numbered_onto_unnumbered(self, record: RecommendationRecord) -> RecommendationChange:
        """A numbered source (a matrix) after an unnumbered one (UPR Info) for one review:
        the unnumbered recommendation it matches by text gets the number, text and response
        of the numbered source, which is the UN's own; its annotations stay."""
        candidates = self._text_candidates(record, numbered=False)
        if not candidates:
            return RecommendationChange(record, "new")
        if len(candidates) > 1:
            return RecommendationChange(
                record,
                "ambiguous",
                changes=[f"matches {len(candidates)} recommendations without a number"],
            )
        change = self._compare(record, candidates[0])
        change.action = "updated"
        change.changes.insert(0, "number")
        candidates[0].number = record.number  # taken: no second record may match it
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
        incoming_response = clean_wording(record.response)
        if incoming_response and incoming_response != found.response:
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
    numbers = dict(
        session.execute(
            select(Recommendation.number, Recommendation.id).where(
                Recommendation.review_id == review_id, Recommendation.number.is_not(None)
            )
        ).all()
    )
    current = dict(
        session.execute(
            select(Recommendation.id, Recommendation.response).where(
                Recommendation.review_id == review_id
            )
        ).all()
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
                    f"recommendation {record.number} is not in this review",
                    "warning",
                    # A document's responses are placed by line and page.
                    unit="line" if record.page is not None else "row",
                    page=record.page,
                )
            )
            continue
        answered.add(record.number)
        changes.append(ResponseChange(record, rid, current.get(rid)))
    # A recommendation the report already gave a position ("supported at the review")
    # is not left without one when its addendum answers only the others.
    unanswered = {n for n, rid in numbers.items() if current.get(rid) is None} - answered
    plan.unanswered = sorted(unanswered, key=sort_key)
    return changes


def _response_review(
    session: Session, plan: ImportPlan, batch: ImportBatch, options: ImportOptions
) -> int | None:
    if options.review_symbol:
        rid = session.scalar(select(Review.id).where(Review.report_symbol == options.review_symbol))
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


def _apply_recommendations(
    session: Session, changes: list[RecommendationChange], progress: Progress | None
) -> None:
    new = [c for c in changes if c.action == "new"]
    if new:
        if progress:
            progress("Adding recommendations", 0, len(new))
        written = write_batch(session, ImportBatch(recommendations=[c.record for c in new]))
        for change, rid in zip(new, written.recommendation_ids, strict=True):
            change.recommendation_id = rid
        if progress:
            progress("Adding recommendations", len(new), len(new))
    touched = [c for c in changes if c.action == "updated"]
    linked = {c.recommendation_id: c for c in changes if c.action == "linked"}
    touched.extend(linked.values())  # one write per recommendation, with all rows' tags
    for done, change in enumerate(touched, start=1):
        _apply_change(session, change)
        if progress and done % 500 == 0:
            progress("Updating recommendations", done, len(touched))
    fts.index(session.connection(), [c.recommendation_id for c in touched if "text" in c.changes])
    session.flush()


def _apply_responses(session: Session, responses: list[ResponseChange]) -> None:
    for response in responses:
        if response.previous == response.record.response:
            continue
        wording = clean_wording(response.record.response)
        session.execute(
            update(Recommendation)
            .where(Recommendation.id == response.recommendation_id)
            .values(
                response=wording,
                response_explanation=response.record.explanation,
                position=normalise_position(wording),
            )
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
        if "response" in change.changes:
            wording = clean_wording(record.response)
            values.update(response=wording, position=normalise_position(wording))
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
        changed = sum(1 for r in plan.responses if r.previous != r.record.response)
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


def import_files(
    project: Project,
    paths: Sequence[Path],
    options: ImportOptions | None = None,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportPlan:
    """Read and import files (or, with ``dry_run``, only preview): the whole import."""
    options = options or ImportOptions()
    batches = read_files(paths, options, progress)
    return run_import(project, batches, options, commit=not dry_run, progress=progress)
