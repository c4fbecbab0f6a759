"""The adjudication service the disagreements view works through."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy.orm import Session

from annotator.services.adjudication.compare import (
    DECIDERS,
    Agreement,
    Decision,
    Disagreement,
    agreements,
    coders_who_coded,
    disagreements,
)
from annotator.services.adjudication.decide import (
    accept_agreements,
    decide,
    last_decision,
    undo_decision,
)
from annotator.services.coding import (
    FieldValue,
    FormSpec,
    RecommendationDetail,
    form_spec,
    recommendation_detail,
)
from annotator.services.reliability_report import CoderRef
from annotator.store.models import Coder
from annotator.store.project import Project

T = TypeVar("T")


class AdjudicationService:
    """One adjudicator's work on one project; every write its own committed transaction."""

    def __init__(self, project: Project, coder_id: int) -> None:
        self.project = project
        self.coder_id = coder_id

    def _write(self, work: Callable[[Session], T]) -> T:
        return self.project.write_retrying(
            work,
            busy="Another program kept the project busy, so the decision is not saved yet. "
            "Try again in a moment.",
        )

    def me(self) -> CoderRef:
        with self.project.session() as session:
            coder = session.get(Coder, self.coder_id)
            if coder is None:
                raise ValueError("You are not one of this project's coders.")
            return CoderRef(coder.id, coder.name, coder.role)

    def may_decide(self) -> bool:
        try:
            return self.me().role in DECIDERS
        except ValueError:
            return False

    def form(self) -> FormSpec:
        with self.project.session() as session:
            return form_spec(session)

    def coders_who_coded(self) -> list[str]:
        with self.project.session() as session:
            return coders_who_coded(session, by_coder_id=self.coder_id)

    def disagreements(
        self,
        field_key: str | None = None,
        code_key: str | None = None,
        coders: Sequence[str] | None = None,
        *,
        include_decided: bool = False,
    ) -> list[Disagreement]:
        with self.project.session() as session:
            return disagreements(
                session,
                field_key,
                code_key,
                coders,
                include_decided=include_decided,
                by_coder_id=self.coder_id,
            )

    def agreements(
        self, field_key: str | None = None, coders: Sequence[str] | None = None
    ) -> list[Agreement]:
        with self.project.session() as session:
            return agreements(session, field_key, coders, by_coder_id=self.coder_id)

    def detail(self, recommendation_id: int) -> RecommendationDetail:
        with self.project.session() as session:
            return recommendation_detail(session, recommendation_id)

    def last_decision(self, recommendation_id: int, field_id: int) -> int | None:
        with self.project.session() as session:
            return last_decision(session, recommendation_id, field_id)

    def decide(
        self, recommendation_id: int, field_id: int, value: FieldValue, reason: str
    ) -> Decision:
        return self._write(
            lambda s: decide(
                s, recommendation_id, field_id, value, by_coder_id=self.coder_id, reason=reason
            )
        )

    def undo(self, audit_event_id: int) -> FieldValue | None:
        return self._write(lambda s: undo_decision(s, audit_event_id, self.coder_id))

    def accept_agreements(
        self, field_key: str | None = None, coders: Sequence[str] | None = None
    ) -> int:
        return self._write(
            lambda s: accept_agreements(s, field_key, by_coder_id=self.coder_id, coders=coders)
        )
