"""The reliability report: every field's figures, by code and between pairs of coders."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy.orm import Session

from annotator import reliability as rel
from annotator.services import assignments, permissions
from annotator.services.coding import FieldSpec, form_spec
from annotator.services.rating_scope import (
    DEFAULT_KINDS,
    ordinal_scale,
    resolve_coders,
    resolve_field,
)
from annotator.services.suggesting import units_with_suggestions
from annotator.vocabulary import KIND_LABELS

if TYPE_CHECKING:
    from annotator.services.sample_plan import SamplePlan
from annotator.services.reliability_report.measures import (
    DEFAULT_MEASURES,
    FEW_UNITS,
    MEASURES,
    TWO_CODER_MEASURES,
    _percent,
    count_of,
    interpret,
    parse_measures,
    reading,
)
from annotator.services.reliability_report.ratings import ProgressFn, _frame

# ------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class Figure:
    """One coefficient of one field, with what it rests on and what it means."""

    measure: str  # key of MEASURES
    name: str  # as the statistics module names it, e.g. "Krippendorff's alpha (MASI)"
    value: float  # NaN where undefined
    ci: tuple[float, float] | None
    n_units: int
    n_pairable: int
    n_coders: int
    reading: str
    reason: str | None = None


@dataclass(frozen=True)
class CodeFigure:
    """How reliably the coders applied one code (present or absent)."""

    code: str
    label: str
    alpha: float
    kappa: float
    kappa_name: str
    prevalence: float  # share of the ratings that include the code
    n_present: int
    n_pairable: int
    reading: str


@dataclass(frozen=True)
class Pairwise:
    """A coder × coder matrix: ``values[i][j]`` compares coders i and j (NaN on the
    diagonal and for pairs with no recommendation in common); ``shared[i][j]`` counts
    the recommendations both rated."""

    measure: str
    coders: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]
    shared: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class FieldReport:
    key: str
    label: str
    kind: str
    coders: tuple[str, ...]  # coders who rated a compared recommendation
    n_units: int  # recommendations rated by two or more of them
    figures: tuple[Figure, ...] = ()
    by_code: tuple[CodeFigure, ...] = ()
    pairwise: Pairwise | None = None
    notes: tuple[str, ...] = ()

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def figure(self, measure: str) -> Figure:
        return next(f for f in self.figures if f.measure == measure)


@dataclass(frozen=True)
class Report:
    project: str
    generated_at: datetime
    coders: tuple[str, ...] | None  # as asked for; None: every coder
    overlap_units: int  # recommendations assigned to two or more coders
    overlap_done: int  # of them, done by at least two of their coders
    fields: tuple[FieldReport, ...]
    bootstrap: int = 0
    # How many double-coded recommendations each field needs (services.sample_plan).
    plan: SamplePlan | None = None
    # Limited to recommendations no coder had theme suggestions on screen for, and how
    # many compared recommendations that left out.
    without_suggestions: bool = False
    left_out: int = 0

    @property
    def suggestions_reading(self) -> str:
        if not self.without_suggestions:
            return (
                "Every compared recommendation counts, whether or not a coder had theme "
                "suggestions on screen."
            )
        return (
            "Only recommendations coded without theme suggestions: "
            f"{count_of(self.left_out, 'recommendation')} where a coder had suggestions on "
            f"screen {'was' if self.left_out == 1 else 'were'} left out."
        )

    @property
    def comparable(self) -> bool:
        """Whether any field had a recommendation that two coders rated."""
        return any(f.n_units for f in self.fields)

    def field(self, key: str) -> FieldReport:
        return next(f for f in self.fields if f.key == key)

    def plan_reading(self, key: str) -> str | None:
        """Whether the field's sample met its plan, in a sentence (None: not planned)."""
        if self.plan is None:
            return None
        try:
            row = self.plan.field(key)
        except StopIteration:
            return None
        return row.reading(self.plan.recommendations)

    @property
    def overlap_reading(self) -> str:
        if self.overlap_units == 0:
            if not self.comparable:
                return "No recommendation is assigned to two or more coders yet."
            return (
                "No recommendation is assigned to two or more coders (there is no overlap "
                "sample); the figures use the recommendations two coders happened both to code."
            )
        share = self.overlap_done / self.overlap_units
        return (
            f"{count_of(self.overlap_units, 'recommendation')} "
            f"{'is' if self.overlap_units == 1 else 'are'} assigned to two or more coders; "
            f"{self.overlap_done} of them ({_percent(share)}) "
            f"{'is' if self.overlap_done == 1 else 'are'} done by at least two."
        )


def report(
    session: Session,
    fields: Iterable[str] | None = None,
    coders: Iterable[str] | None = None,
    metrics: Iterable[str] | None = None,
    by_code: bool = False,
    bootstrap: int = 0,
    *,
    seed: int = 0,
    project_name: str = "",
    progress: ProgressFn | None = None,
    by_coder_id: int | None = None,
    without_suggestions: bool = False,
) -> Report:
    """The reliability of each field (by default every coded field but free text).

    ``metrics`` are keys of MEASURES (default: the usual ones for each kind of field);
    ``by_code`` adds each code's alpha, kappa and prevalence for choice fields, least
    reliable first; ``bootstrap`` draws give 95 % intervals. ``progress`` is called
    with (label, done, total) and may raise to stop. ``by_coder_id`` is who asks: an
    adjudicator or a coordinator (a coder comparing themselves with others would no
    longer code blind). ``without_suggestions`` leaves out the recommendations on which
    any coder had theme suggestions on screen.
    """
    permissions.require(session, by_coder_id, permissions.MEASURE)
    spec = form_spec(session)
    if fields is None:
        chosen_fields = [f for f in spec.fields if f.kind in DEFAULT_KINDS]
    else:
        chosen_fields = []
        for key in fields:
            found = resolve_field(spec, key)
            if found not in chosen_fields:
                chosen_fields.append(found)
    if not chosen_fields:
        raise ValueError("The codebook has no coded fields to measure.")
    chosen = resolve_coders(session, coders)
    if chosen is not None and len(chosen) < 2:
        raise ValueError("Name at least two coders to compare.")
    wanted = parse_measures(metrics)
    if bootstrap < 0:
        raise ValueError("The number of bootstrap draws cannot be negative.")
    totals = assignments.overlap_totals(session)
    shown = units_with_suggestions(session) if without_suggestions else set()
    left_out: set[int] = set()
    results = []
    for done, fspec in enumerate(chosen_fields):
        if progress is not None:
            progress(f"Measuring {fspec.label}…", done, len(chosen_fields))
        frame = _frame(session, fspec, chosen)
        if shown:
            influenced = frame["unit"].isin(shown)
            left_out.update(int(u) for u in frame.loc[influenced, "unit"].unique())
            attrs = dict(frame.attrs)
            frame = frame.loc[~influenced].reset_index(drop=True)
            frame.attrs.update(attrs)
        results.append(_field_report(fspec, frame, wanted, by_code, bootstrap, seed))
    # Imported here: the plan is built from this module's ratings.
    from annotator.services.sample_plan import sample_plan

    plan = sample_plan(session, [f.key for f in chosen_fields], coders)
    if progress is not None:
        progress("Done", len(chosen_fields), len(chosen_fields))
    return Report(
        project=project_name,
        generated_at=datetime.now(UTC),
        coders=None if chosen is None else tuple(c.name for c in chosen),
        overlap_units=totals.units,
        overlap_done=totals.done_by_two,
        fields=tuple(results),
        bootstrap=bootstrap,
        plan=plan,
        without_suggestions=without_suggestions,
        left_out=len(left_out),
    )


def _statistic(
    measure: str, fspec: FieldSpec, n_coders: int
) -> tuple[Callable[..., rel.Coefficient], dict[str, Any], str]:
    """(function, keyword arguments, measure key actually used) for this field."""
    kind = fspec.kind
    categories = _categories(fspec)
    if measure == "percent":
        return rel.percent_agreement, {"method": "pairwise"}, measure
    if measure == "unanimous":
        return rel.percent_agreement, {"method": "unanimous"}, measure
    if measure == "alpha":
        if kind == "multi":
            return rel.krippendorff_alpha, {"distance": "masi"}, measure
        if kind == "ordinal":
            return rel.krippendorff_alpha, {"level": "ordinal", "categories": categories}, measure
        return rel.krippendorff_alpha, {"level": "nominal"}, measure
    if measure == "jaccard":
        return rel.krippendorff_alpha, {"distance": "jaccard"}, measure
    if measure == "kappa":
        if n_coders > 2:
            return rel.fleiss_kappa, {}, "fleiss"
        weights = "quadratic" if kind == "ordinal" else None
        return rel.cohen_kappa, {"weights": weights, "categories": categories}, measure
    if measure == "pi":
        return rel.scott_pi, {}, measure
    if measure == "fleiss":
        return rel.fleiss_kappa, {}, measure
    if measure == "ac1":
        return rel.gwet_ac1, {"categories": categories}, measure
    if measure == "ac2":
        return rel.gwet_ac2, {"weights": "quadratic", "categories": categories}, measure
    raise ValueError(f"unknown measure {measure!r}")


def _categories(fspec: FieldSpec) -> list[Any] | None:
    """Every value the field allows, in order: chance agreement of Gwet's coefficients
    depends on how many there are, and ordered ones fix the scale's positions."""
    if fspec.kind == "ordinal":
        return sorted(set(ordinal_scale(fspec).values()))
    if fspec.kind == "single":
        return [c.key for c in fspec.codes]
    if fspec.kind == "boolean":
        return [False, True]
    return None


def _field_report(
    fspec: FieldSpec,
    frame: pd.DataFrame,
    wanted: tuple[str, ...] | None,
    by_code: bool,
    bootstrap: int,
    seed: int,
) -> FieldReport:
    coders = tuple(sorted(frame["coder"].unique(), key=str.casefold))
    n_units = int(frame["unit"].nunique())
    notes: list[str] = []
    if frame.attrs.get("unusable"):
        notes.append(
            f"{count_of(frame.attrs['unusable'], 'rating')} left out: more than one code "
            f"was chosen where {fspec.label} takes one."
        )
    base: dict[str, Any] = dict(key=fspec.key, label=fspec.label, kind=fspec.kind, coders=coders)
    if n_units == 0:
        notes.append(
            "No recommendation of this field was coded by two or more of the coders, "
            "so there is nothing to compare yet."
        )
        return FieldReport(**base, n_units=0, notes=tuple(notes))
    if n_units < FEW_UNITS:
        notes.append(
            f"Only {count_of(n_units, 'recommendation')} compared: each one moves these "
            "figures a lot, so read them as rough."
        )
    keys = wanted or DEFAULT_MEASURES[fspec.kind]
    figures: list[Figure] = []
    for key in keys:
        measure = next(m for m in MEASURES if m.key == key)
        if fspec.kind not in measure.kinds:
            if wanted is not None:
                notes.append(
                    f"{measure.label} does not apply to {fspec.label} ({KIND_LABELS[fspec.kind]})."
                )
            continue
        if key in TWO_CODER_MEASURES and len(coders) > 2:
            notes.append(
                f"{measure.label} compares exactly two coders; {len(coders)} coded "
                f"{fspec.label}: see the pairs between coders, or Fleiss' kappa."
            )
            continue
        function, kwargs, used = _statistic(key, fspec, len(coders))
        if used in (f.measure for f in figures):
            continue
        if bootstrap:
            coefficient = _bootstrap(frame, function, kwargs, bootstrap, seed)
        else:
            coefficient = function(frame, **kwargs)
        figures.append(
            Figure(
                measure=used,
                name=coefficient.name,
                value=float(coefficient.value),
                ci=coefficient.ci,
                n_units=coefficient.n_units,
                n_pairable=coefficient.n_pairable,
                n_coders=coefficient.n_coders,
                reading=reading(
                    used, coefficient.value, coefficient.n_pairable, coefficient.reason, coders
                ),
                reason=coefficient.reason,
            )
        )
    codes = _by_code(fspec, frame, coders) if by_code and fspec.is_choice else ()
    return FieldReport(
        **base,
        n_units=n_units,
        figures=tuple(figures),
        by_code=codes,
        pairwise=_pairwise(fspec, frame, coders),
        notes=tuple(notes),
    )


def _bootstrap(
    frame: pd.DataFrame,
    function: Callable[..., rel.Coefficient],
    kwargs: dict[str, Any],
    draws: int,
    seed: int,
) -> rel.Coefficient:
    if "level" in kwargs:
        # bootstrap_ci's own ``level`` is the confidence level, so alpha's level of
        # measurement cannot pass through it; a closure resamples the table instead.
        def statistic(df: pd.DataFrame) -> rel.Coefficient:
            return function(df, **kwargs)

        return rel.bootstrap_ci(frame, statistic, draws=draws, seed=seed)
    return rel.bootstrap_ci(frame, function, draws=draws, seed=seed, **kwargs)


def _by_code(
    fspec: FieldSpec, frame: pd.DataFrame, coders: tuple[str, ...]
) -> tuple[CodeFigure, ...]:
    """Each code read as present or absent: which codes the coders apply alike."""
    labels: dict[Any, str] = {c.key: c.label for c in fspec.codes}
    if fspec.kind == "ordinal":
        labels = {ordinal_scale(fspec)[c.stored_id]: c.label for c in fspec.codes}
    sets = (
        frame
        if fspec.kind == "multi"
        else frame.assign(value=frame["value"].map(lambda v: frozenset([v])))
    )
    table = rel.per_code_alpha(sets)
    kappa = rel.cohen_kappa if len(coders) == 2 else rel.fleiss_kappa
    result = []
    for row in table.itertuples(index=False):
        present = sets.assign(value=sets["value"].map(lambda s, code=row.code: code in s))
        coefficient = kappa(present)
        alpha = float(row.alpha)
        few = rel.too_few_units(int(row.n_pairable))
        if math.isnan(alpha):
            text = row.reason or "undefined"
        else:
            text = interpret(alpha, "alpha", int(row.n_pairable))
        if row.prevalence < 0.05 and not math.isnan(alpha) and not few:
            text += "; a rare code, so one disagreement moves alpha a lot"
        result.append(
            CodeFigure(
                code=str(row.code),
                label=labels.get(row.code, str(row.code)),
                alpha=alpha,
                kappa=float(coefficient.value),
                kappa_name=coefficient.name,
                prevalence=float(row.prevalence),
                n_present=int(row.n_present),
                n_pairable=int(row.n_pairable),
                reading=text,
            )
        )
    # Ties in codebook order: the statistics list codes in the order sets happen to
    # iterate, which changes with Python's string hashing from one run to the next.
    place = {str(key): n for n, key in enumerate(labels)}
    result.sort(key=lambda c: (math.isnan(c.alpha), c.alpha, place.get(c.code, len(place))))
    return tuple(result)


def _pairwise(fspec: FieldSpec, frame: pd.DataFrame, coders: tuple[str, ...]) -> Pairwise | None:
    if len(coders) < 2:
        return None
    function: Callable[..., rel.Coefficient]
    if fspec.kind == "multi":
        function, kwargs, key = rel.krippendorff_alpha, {"distance": "masi"}, "alpha"
    elif fspec.kind == "text":
        function, kwargs, key = rel.percent_agreement, {"method": "pairwise"}, "percent"
    else:
        function, kwargs, key = _statistic("kappa", fspec, 2)
    matrix = rel.pairwise_matrix(frame, statistic=function, **kwargs)
    order = [c for c in coders if c in matrix.index]
    matrix = matrix.loc[order, order]
    rated = {c: set(frame.loc[frame["coder"] == c, "unit"]) for c in order}
    return Pairwise(
        measure=key,
        coders=tuple(order),
        values=tuple(tuple(float(v) for v in row) for row in matrix.to_numpy()),
        shared=tuple(
            tuple(len(rated[a] & rated[b]) if a != b else 0 for b in order) for a in order
        ),
    )
