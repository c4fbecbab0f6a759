"""What an import will do: its options, the change to each recommendation and response, the plan
as a whole."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from annotator.importers.records import (
    ImportBatch,
    ImportProblem,
    RecommendationRecord,
    ResponseRecord,
    ReviewRecord,
    SourceDocument,
)
from annotator.responses import clean_wording

Progress = Callable[[str, int, int], None]


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
