"""What every importer produces: reviews and recommendations, ready to be written."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReviewRecord:
    state_iso3: str
    cycle: int
    session: int | None = None
    year: int | None = None
    report_symbol: str | None = None
    responses_symbol: str | None = None


@dataclass(frozen=True)
class SourceTagRecord:
    source: str
    kind: str
    value: str


@dataclass
class RecommendationRecord:
    review: ReviewRecord
    text: str
    number: str | None = None
    recommending_text: str = ""
    recommending_iso3: list[str] = field(default_factory=list)
    response: str | None = None
    response_explanation: str | None = None
    source_reference: str | None = None
    source_url: str | None = None
    tags: list[SourceTagRecord] = field(default_factory=list)


@dataclass(frozen=True)
class ImportProblem:
    """Something a source file got wrong, with the place it is in."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        place = [self.file]
        if self.row is not None:
            place.append(f"row {self.row}")
        if self.column:
            place.append(f"column '{self.column}'")
        return f"{', '.join(place)}: {self.message}"


@dataclass
class ImportBatch:
    recommendations: list[RecommendationRecord] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def reviews(self) -> list[ReviewRecord]:
        return list(dict.fromkeys(r.review for r in self.recommendations))
