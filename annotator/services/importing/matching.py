"""Finding an incoming recommendation in the project: by number, or by its text for sources
without numbers."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator import states
from annotator.importers.records import ImportBatch, RecommendationRecord, ReviewRecord
from annotator.responses import clean_wording
from annotator.services import response_history
from annotator.services.importing.plan import Progress, RecommendationChange
from annotator.services.importing.reviews import review_key
from annotator.store.models import Recommendation, RecommendationState, SourceTag, State

# Below this similarity (0-100, rapidfuzz token_set_ratio) two texts are different
# recommendations; measured on UPR Info against OHCHR wording of the same review, true
# pairs score above 95 and different recommendations to one state rarely above 80.
LINK_THRESHOLD = 90
AMBIGUITY_MARGIN = 2

_SPACE = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s;.,]+$")


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


def plan_recommendations(
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
        review_id = known_reviews.get(review_key(review))
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
                bonus: float = (3 if wanted == e.states else 0) + (2 if pool[i] == key else 0)
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
