"""Planning the reliability sample: how many double-coded recommendations each field and
each theme needs, given how often their values have been chosen so far.

The figures come from Krippendorff's rule (``annotator.sample_size``): the rarer the
least frequent value, the more recommendations two coders must both code before alpha
can be shown to reach .800 (or .667). The plan is compared with what is double-coded
now: the recommendations two or more coders rated in that field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from annotator import sample_size as ss
from annotator.services.coding import FieldSpec, form_spec
from annotator.services.rating_scope import (
    DEFAULT_KINDS,
    DONE_MEANS_EMPTY,
    ordinal_scale,
    resolve_coders,
    resolve_field,
)
from annotator.store.models import Annotation, CodingStatus, Recommendation

ALPHAS = (ss.ALPHA_RELIABLE, ss.ALPHA_TENTATIVE)
PLANNED_KINDS = tuple(k for k in DEFAULT_KINDS if k != "text")


@dataclass(frozen=True)
class PlanRow:
    """The plan of one field (``code`` None) or of one theme of a multi-choice field."""

    field: str
    field_label: str
    kind: str
    code: str | None
    code_label: str | None
    rarest: str | None  # field rows: the least frequent value seen (its label)
    share: float | None  # of that value (field rows) or of the theme (theme rows)
    ratings: int  # the ratings the share rests on
    needed: tuple[int | None, ...]  # per ALPHAS; None: cannot be planned yet
    have: int  # recommendations two or more coders rated in this field

    def needs(self, alpha: float = ss.ALPHA_RELIABLE) -> int | None:
        return self.needed[ALPHAS.index(alpha)]

    def enough(self, alpha: float = ss.ALPHA_RELIABLE) -> bool | None:
        need = self.needs(alpha)
        return None if need is None else self.have >= need

    @property
    def label(self) -> str:
        return self.code_label or self.field_label

    def reading(self, total: int | None = None) -> str:
        """What the plan says, in a sentence."""
        if self.share is None:
            return (
                "Nothing coded yet: the plan needs some coding first, to see how often "
                "each value is chosen."
            )
        strict, tentative = self.needs(ss.ALPHA_RELIABLE), self.needs(ss.ALPHA_TENTATIVE)
        if strict is None or tentative is None:
            what = self.code_label or self.rarest or "this value"
            return (
                f"{what} is chosen in every rating so far, so there is nothing to tell apart "
                "yet: a plan needs ratings that differ."
            )
        if self.code:
            of = f"{self.code_label} is in {_percent(self.share)} of the ratings"
        elif self.kind == "multi":
            of = f"the rarest theme, {self.rarest}, is in {_percent(self.share)} of the ratings"
        else:
            of = f"the rarest value, {self.rarest}, is {_percent(self.share)} of the ratings"
        text = (
            f"{strict} double-coded recommendations for α ≥ .800 ({tentative} for .667) at "
            f"p = .05: {of}. "
        )
        if self.have >= strict:
            text += f"{self.have} are double-coded: enough."
        elif self.have >= tentative:
            text += (
                f"{self.have} are double-coded: enough for .667, {strict - self.have} more "
                "for .800."
            )
        else:
            text += f"{self.have} are double-coded: {strict - self.have} more needed."
        if total is not None and strict > total:
            text += f" The project has only {total} recommendations."
        return text


@dataclass(frozen=True)
class SamplePlan:
    rows: tuple[PlanRow, ...]
    recommendations: int  # in the project
    p: float = ss.DEFAULT_P

    def field(self, key: str) -> PlanRow:
        return next(r for r in self.rows if r.field == key and r.code is None)

    def themes(self, key: str) -> tuple[PlanRow, ...]:
        return tuple(r for r in self.rows if r.field == key and r.code is not None)

    def fields(self) -> tuple[PlanRow, ...]:
        return tuple(r for r in self.rows if r.code is None)


def sample_plan(
    session: Session,
    fields: Iterable[str] | None = None,
    coders: Iterable[str] | None = None,
    *,
    p: float = ss.DEFAULT_P,
) -> SamplePlan:
    """The plan of each choice and yes / no field (or of those named), with one row per
    theme of the multi-choice fields, most needed first."""
    spec = form_spec(session)
    if fields is None:
        chosen = [f for f in spec.fields if f.kind in PLANNED_KINDS]
    else:
        chosen = []
        for key in fields:
            found = resolve_field(spec, key)
            if found.kind not in PLANNED_KINDS:
                continue
            if found not in chosen:
                chosen.append(found)
    picked = resolve_coders(session, coders)
    ids = None if picked is None else [c.id for c in picked]
    rows: list[PlanRow] = []
    for fspec in chosen:
        rows.extend(_plan_field(fspec, _tally(session, fspec, ids), p))
    total = session.scalar(select(func.count(Recommendation.id))) or 0
    return SamplePlan(tuple(rows), total, p)


@dataclass(frozen=True)
class _Tally:
    ratings: int  # (recommendation, coder) pairs that rated the field
    have: int  # recommendations two or more coders rated
    counts: dict[int, int]  # code id (or YES) -> ratings with it
    single_ratings: int  # single / ordinal: ratings of exactly one code


YES = -1


def _tally(session: Session, fspec: FieldSpec, ids: list[int] | None) -> _Tally:
    """What the plan needs, counted by the database: the same ratings as the reliability
    report's (``coder_values``: an entry in the field, or for multi-choice and yes / no
    fields a recommendation marked done), without reading each of them."""
    mine = [Annotation.field_id == fspec.id]
    if ids is not None:
        mine.append(Annotation.coder_id.in_(ids))
    rated = select(Annotation.recommendation_id.label("rid"), Annotation.coder_id.label("cid"))
    rated = rated.where(*mine)
    if fspec.kind in DONE_MEANS_EMPTY:
        done = select(
            CodingStatus.recommendation_id.label("rid"), CodingStatus.coder_id.label("cid")
        ).where(CodingStatus.status == "done")
        if ids is not None:
            done = done.where(CodingStatus.coder_id.in_(ids))
        pairs = union(rated, done).subquery()
    else:
        pairs = rated.distinct().subquery()
    ratings = session.scalar(select(func.count()).select_from(pairs)) or 0
    shared = select(pairs.c.rid).group_by(pairs.c.rid).having(func.count() >= 2).subquery()
    have = session.scalar(select(func.count()).select_from(shared)) or 0
    counts: dict[int, int] = {}
    single = 0
    if fspec.kind == "multi":
        counts = {
            code: count
            for code, count in session.execute(
                select(Annotation.code_id, func.count())
                .where(*mine, Annotation.code_id.is_not(None))
                .group_by(Annotation.code_id)
            )
            if code is not None
        }
    elif fspec.kind == "boolean":
        yes = func.lower(func.trim(Annotation.value)).in_(("true", "yes", "1"))
        counts = {YES: session.scalar(select(func.count()).where(*mine, yes)) or 0}
    else:
        # A rating is one value only where one code was chosen (a merge can leave two).
        one = (
            select(func.min(Annotation.code_id).label("code"))
            .where(*mine, Annotation.code_id.is_not(None))
            .group_by(Annotation.recommendation_id, Annotation.coder_id)
            .having(func.count() == 1)
            .subquery()
        )
        counts = dict(session.execute(select(one.c.code, func.count()).group_by(one.c.code)).all())
        single = sum(counts.values())
    return _Tally(ratings, have, counts, single)


def _needed(share: float | None, p: float) -> tuple[int | None, ...]:
    if share is None or not 0 < share < 1:
        return tuple(None for _ in ALPHAS)
    return tuple(ss.required_units(alpha, share, p) for alpha in ALPHAS)


def _plan_field(fspec: FieldSpec, tally: _Tally, p: float) -> list[PlanRow]:
    base = partial(
        PlanRow, field=fspec.key, field_label=fspec.label, kind=fspec.kind, have=tally.have
    )
    labels = {c.stored_id: c.label for c in fspec.codes}
    n = tally.ratings
    if fspec.kind == "multi":
        themes = []
        for code in fspec.codes:
            share = tally.counts.get(code.stored_id, 0) / n if n else None
            if share == 0 and code.retired:
                continue
            binary = None if share is None else min(share, 1 - share)
            themes.append(
                base(
                    code=code.key,
                    code_label=code.label,
                    rarest=None,
                    share=share,
                    ratings=n,
                    needed=_needed(binary, p) if share else tuple(None for _ in ALPHAS),
                )
            )
        seen = [t for t in themes if t.needs() is not None]
        themes.sort(key=lambda t: (t.needs() is None, -(t.needs() or 0), t.label))
        if seen:
            hardest = max(seen, key=lambda t: t.needs() or 0)
            field_row = base(
                code=None,
                code_label=None,
                rarest=hardest.code_label,
                share=hardest.share,
                ratings=n,
                needed=hardest.needed,
            )
        else:
            field_row = base(
                code=None,
                code_label=None,
                rarest=None,
                share=None if not n else 1.0,
                ratings=n,
                needed=tuple(None for _ in ALPHAS),
            )
        return [field_row, *themes]
    shares: dict[object, float]
    if fspec.kind == "boolean":
        yes = tally.counts.get(YES, 0)
        shares = {"yes": yes / n, "no": 1 - yes / n} if n else {}
    else:
        n = tally.single_ratings
        if fspec.kind == "ordinal":
            scale = ordinal_scale(fspec)
            labels = {cid: f"{scale[cid]} {label}" for cid, label in labels.items()}
        shares = (
            {labels[c]: count / n for c, count in tally.counts.items() if c in labels} if n else {}
        )
    least = ss.least_frequent(shares)
    if least is None:
        rarest, share = None, None
    elif len(shares) == 1 or least[1] >= 1:
        rarest, share = str(least[0]), 1.0
    else:
        rarest, share = str(least[0]), least[1]
    return [
        base(
            code=None,
            code_label=None,
            rarest=rarest,
            share=share,
            ratings=n,
            needed=_needed(share, p),
        )
    ]


def _percent(share: float) -> str:
    if 0 < share < 0.01:
        return f"{share * 100:.1f} %"
    return f"{share * 100:.0f} %"


def plan_table(plan: SamplePlan) -> str:
    """The plan as text for a terminal: each field, then its themes, most needed first."""
    lines = [
        "How many recommendations two coders must both code for Krippendorff's alpha to "
        f"reach .800 (or .667) at p = {plan.p:.2f}, given how often each value has been "
        "chosen so far (Krippendorff's rule, after Bloch & Kraemer 1989)."
    ]
    for row in plan.fields():
        lines.append("")
        lines.append(f"{row.field_label}: {row.reading(plan.recommendations)}")
        themes = plan.themes(row.field)
        if not themes:
            continue
        width = min(40, max(len(t.label) for t in themes))
        lines.append(
            f"  {'Theme':<{width}}  {'Share':>6}  {'α .800':>7}  {'α .667':>7}  {'Have':>5}  Enough"
        )
        for theme in themes:
            share = "—" if theme.share is None else _percent(theme.share)
            strict, tentative = theme.needs(ss.ALPHA_RELIABLE), theme.needs(ss.ALPHA_TENTATIVE)
            verdict = {None: "not seen yet", True: "yes", False: "no"}[theme.enough()]
            if theme.enough() is False and theme.enough(ss.ALPHA_TENTATIVE):
                verdict = "for .667 only"
            lines.append(
                f"  {theme.label[:width]:<{width}}  {share:>6}  "
                f"{'—' if strict is None else strict:>7}  "
                f"{'—' if tentative is None else tentative:>7}  {theme.have:>5}  {verdict}"
            )
    return "\n".join(lines) + "\n"
