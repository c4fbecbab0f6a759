"""Inter-coder reliability of a project: the ratings, the figures, their reading.

``ratings`` turns what coders entered into the long table ``annotator.reliability``
works on; ``report`` runs the statistics per field (and per code, and per pair of
coders) and says in plain words what each figure means; the writers turn a report
into text, CSV, JSON or a workbook. No Qt here: scripts, the command line and the
GUI (off its thread) all call the same functions.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator import reliability as rel
from annotator.services import assignments, permissions
from annotator.services.coding import EMPTY, FieldSpec, FieldValue, form_spec
from annotator.services.rating_scope import (
    DEFAULT_KINDS,
    DONE_MEANS_EMPTY,
    CoderRef,
    ordinal_scale,
    resolve_coders,
    resolve_field,
)
from annotator.store.models import Annotation, Coder, CodingStatus
from annotator.store.safe_write import check_target, scratch_folder, written_whole
from annotator.vocabulary import KIND_LABELS
from annotator.workbooks import Book, Rows, csv_safe

if TYPE_CHECKING:
    from annotator.services.sample_plan import SamplePlan

ProgressFn = Callable[[str, int, int], None]

CHUNK = 500


class ReportCancelled(Exception):
    """The person asked to stop; nothing was written, so there is nothing to undo."""


# ---------------------------------------------------------------------- who and what


def coder_values(
    session: Session, spec: FieldSpec, coder_ids: Sequence[int] | None = None
) -> dict[int, dict[int, FieldValue]]:
    """Recommendation id -> coder id -> that coder's value of the field.

    A coder counts as having rated a recommendation when they entered something for
    the field, or (for multi-choice and yes/no fields) marked it done: then their
    value is the empty one. Units only one coder rated are kept; callers filter.
    """
    query = select(
        Annotation.recommendation_id, Annotation.coder_id, Annotation.code_id, Annotation.value
    ).where(Annotation.field_id == spec.id)
    if coder_ids is not None:
        query = query.where(Annotation.coder_id.in_(list(coder_ids)))
    codes: dict[tuple[int, int], set[int]] = {}
    texts: dict[tuple[int, int], str] = {}
    for rid, cid, code_id, value in session.execute(query):
        if code_id is not None:
            codes.setdefault((rid, cid), set()).add(code_id)
        elif value is not None:
            texts[(rid, cid)] = value
    result: dict[int, dict[int, FieldValue]] = {}
    for rid, cid in set(codes) | set(texts):
        result.setdefault(rid, {})[cid] = FieldValue(
            frozenset(codes.get((rid, cid), ())), texts.get((rid, cid))
        )
    if spec.kind in DONE_MEANS_EMPTY:
        done = select(CodingStatus.recommendation_id, CodingStatus.coder_id).where(
            CodingStatus.status == "done"
        )
        if coder_ids is not None:
            done = done.where(CodingStatus.coder_id.in_(list(coder_ids)))
        for rid, cid in session.execute(done):
            result.setdefault(rid, {}).setdefault(cid, EMPTY)
    return result


def shared_units(values: dict[int, dict[int, FieldValue]]) -> dict[int, dict[int, FieldValue]]:
    """Only the recommendations that two or more coders rated: the ones to compare."""
    return {rid: by_coder for rid, by_coder in values.items() if len(by_coder) >= 2}


def rating_of(
    spec: FieldSpec, value: FieldValue, keys: dict[int, str], scale: dict[int, int]
) -> Any:
    """The value as ``annotator.reliability`` takes it, or None when it cannot be one
    (a single-choice field with two codes ticked, left over from a merge)."""
    if spec.kind == "multi":
        return frozenset(keys[c] for c in value.codes if c in keys)
    if spec.kind in ("single", "ordinal"):
        if len(value.codes) != 1:
            return None
        (code,) = value.codes
        if code not in keys:
            return None
        return scale[code] if spec.kind == "ordinal" else keys[code]
    if spec.kind == "boolean":
        return (value.text or "").strip().casefold() in ("true", "yes", "1")
    return value.text or ""


def ratings(
    session: Session,
    field_key: str,
    coders: Iterable[str] | None = None,
    *,
    by_coder_id: int | None = None,
) -> pd.DataFrame:
    """One row per rating: ``unit`` (recommendation id), ``coder`` (name), ``value``.

    Multi-choice values are frozensets of code keys (a coder who marked the
    recommendation done with none of the field's codes rated it with the empty set);
    single choice gives the code key, ordinal its integer key, yes / no a bool and free
    text the text. Only recommendations that two or more of the coders rated are kept.
    ``attrs["unusable"]`` counts ratings left out because they cannot be one value.
    ``by_coder_id`` is who asks: every coder's values are for adjudicators and
    coordinators only.
    """
    permissions.require(session, by_coder_id, permissions.SEE_OTHERS)
    spec = resolve_field(form_spec(session), field_key)
    chosen = resolve_coders(session, coders)
    return _frame(session, spec, chosen)


def _frame(session: Session, spec: FieldSpec, chosen: list[CoderRef] | None) -> pd.DataFrame:
    names = dict(session.execute(select(Coder.id, Coder.name)).all())
    ids = None if chosen is None else [c.id for c in chosen]
    keys = {c.id: c.key for c in spec.codes}
    scale = ordinal_scale(spec) if spec.kind == "ordinal" else {}
    rows: list[tuple[int, str, Any]] = []
    unusable = 0
    for rid, by_coder in shared_units(coder_values(session, spec, ids)).items():
        usable = []
        for cid, value in by_coder.items():
            rating = rating_of(spec, value, keys, scale)
            if rating is None:
                unusable += 1
            else:
                usable.append((rid, names[cid], rating))
        if len(usable) >= 2:
            rows.extend(usable)
    frame = pd.DataFrame(rows, columns=["unit", "coder", "value"])
    frame = frame.astype({"unit": "int64", "coder": "object", "value": "object"})
    frame = frame.sort_values(["unit", "coder"], kind="stable").reset_index(drop=True)
    frame.attrs["unusable"] = unusable
    return frame


# ---------------------------------------------------------------------------- measures


@dataclass(frozen=True)
class Measure:
    """A coefficient the report can compute, and the field kinds it fits."""

    key: str
    label: str
    kinds: tuple[str, ...]
    help: str


MEASURES = (
    Measure(
        "percent",
        "Percent agreement",
        ("multi", "single", "ordinal", "boolean", "text"),
        "share of coder pairs that gave the same value, not corrected for chance",
    ),
    Measure(
        "unanimous",
        "Unanimous agreement",
        ("multi", "single", "ordinal", "boolean", "text"),
        "share of recommendations on which every coder gave the same value",
    ),
    Measure(
        "alpha",
        "Krippendorff's alpha",
        ("multi", "single", "ordinal", "boolean"),
        "MASI distance for multi-choice, ordinal metric for scales, nominal otherwise",
    ),
    Measure(
        "jaccard",
        "Krippendorff's alpha (Jaccard)",
        ("multi",),
        "alpha with the Jaccard distance between sets of codes",
    ),
    Measure(
        "kappa",
        "Cohen's kappa",
        ("single", "ordinal", "boolean"),
        "two coders: Cohen's kappa (quadratic weights for scales); more: Fleiss' kappa",
    ),
    Measure("pi", "Scott's pi", ("single", "ordinal", "boolean"), "two coders only"),
    Measure("fleiss", "Fleiss' kappa", ("single", "ordinal", "boolean"), "any number of coders"),
    Measure("ac1", "Gwet's AC1", ("single", "boolean"), "stable when one code is far more common"),
    Measure("ac2", "Gwet's AC2", ("ordinal",), "AC1 with quadratic weights, for scales"),
)
MEASURE_KEYS = tuple(m.key for m in MEASURES)
DEFAULT_MEASURES = {
    "multi": ("percent", "alpha"),
    "single": ("percent", "kappa", "ac1", "alpha"),
    "ordinal": ("percent", "kappa", "ac2", "alpha"),
    "boolean": ("percent", "kappa", "ac1", "alpha"),
    "text": ("percent",),
}
TWO_CODER_MEASURES = ("pi",)
# Below this many compared recommendations a coefficient moves a lot with each one.
FEW_UNITS = 30


def parse_measures(names: Iterable[str] | None) -> tuple[str, ...] | None:
    """Measure keys from what a person typed (None: the defaults for each field)."""
    if names is None:
        return None
    keys: list[str] = []
    for raw in names:
        for part in raw.split(","):
            key = part.strip().casefold()
            if not key:
                continue
            if key not in MEASURE_KEYS:
                raise ValueError(
                    f"'{part.strip()}' is not a measure this report knows. "
                    f"Choose from: {', '.join(MEASURE_KEYS)}."
                )
            if key not in keys:
                keys.append(key)
    if not keys:
        raise ValueError(f"Name at least one measure: {', '.join(MEASURE_KEYS)}.")
    return tuple(keys)


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
            f"{_count(self.overlap_units, 'recommendation')} "
            f"{'is' if self.overlap_units == 1 else 'are'} assigned to two or more coders; "
            f"{self.overlap_done} of them ({_percent(share)}) "
            f"{'is' if self.overlap_done == 1 else 'are'} done by at least two."
        )


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


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
) -> Report:
    """The reliability of each field (by default every coded field but free text).

    ``metrics`` are keys of MEASURES (default: the usual ones for each kind of field);
    ``by_code`` adds each code's alpha, kappa and prevalence for choice fields, least
    reliable first; ``bootstrap`` draws give 95 % intervals. ``progress`` is called
    with (label, done, total) and may raise to stop. ``by_coder_id`` is who asks: an
    adjudicator or a coordinator (a coder comparing themselves with others would no
    longer code blind).
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
    results = []
    for done, fspec in enumerate(chosen_fields):
        if progress is not None:
            progress(f"Measuring {fspec.label}…", done, len(chosen_fields))
        frame = _frame(session, fspec, chosen)
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
            f"{_count(frame.attrs['unusable'], 'rating')} left out: more than one code "
            f"was chosen where {fspec.label} takes one."
        )
    base = dict(key=fspec.key, label=fspec.label, kind=fspec.kind, coders=coders)
    if n_units == 0:
        notes.append(
            "No recommendation of this field was coded by two or more of the coders, "
            "so there is nothing to compare yet."
        )
        return FieldReport(**base, n_units=0, notes=tuple(notes))
    if n_units < FEW_UNITS:
        notes.append(
            f"Only {_count(n_units, 'recommendation')} compared: each one moves these "
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
    labels = {c.key: c.label for c in fspec.codes}
    if fspec.kind == "ordinal":
        labels = {ordinal_scale(fspec)[c.id]: c.label for c in fspec.codes}
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
        text = interpret(alpha, "alpha") if not math.isnan(alpha) else (row.reason or "undefined")
        if row.prevalence < 0.05 and not math.isnan(alpha):
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


# --------------------------------------------------------------------------- readings

SYMBOLS = {
    "alpha": "α",
    "jaccard": "α",
    "kappa": "κ",
    "fleiss": "κ",
    "pi": "π",
    "ac1": "AC1",
    "ac2": "AC2",
}
# Landis & Koch (1977), the bands most readers of kappa-like figures know.
BANDS = (
    (0.80, "almost perfect agreement beyond chance"),
    (0.60, "substantial agreement beyond chance"),
    (0.40, "moderate agreement beyond chance"),
    (0.20, "fair agreement beyond chance"),
    (0.0, "slight agreement beyond chance"),
)


def interpret(value: float, measure: str) -> str:
    """What a figure means, as a sentence without its full stop."""
    if value is None or math.isnan(value):
        return "Undefined"
    if measure in ("alpha", "jaccard"):
        text = rel.interpret_alpha(value)
        return text[:1].upper() + text[1:]
    if measure in ("percent", "unanimous"):
        return f"{_percent(value)} agreement, not corrected for chance"
    symbol = SYMBOLS.get(measure, "")
    if value < 0:
        return f"Less agreement than chance would give ({symbol} = {value:.3f})"
    if value == 0:
        return f"No agreement beyond chance ({symbol} = 0)"
    band = next(text for floor, text in BANDS if value > floor)
    return f"{band[:1].upper()}{band[1:]} ({symbol} = {value:.3f}, Landis & Koch bands)"


def _percent(value: float) -> str:
    return f"{value * 100:.0f} %"


def reading(
    measure: str,
    value: float,
    n_pairable: int,
    reason: str | None,
    coders: Sequence[str] = (),
) -> str:
    """A plain-language reading of one figure, with what it rests on."""
    if value is None or math.isnan(value):
        return f"Cannot be computed: {reason or 'there is nothing to compare.'}"
    on = _count(n_pairable, "recommendation")
    if measure == "percent":
        if len(coders) == 2:
            who, where = " and ".join(coders), f"the {on} both coded"
        else:
            who, where = "Pairs of coders", f"the {on} coded by two or more"
        return (
            f"{who} gave the same value on {_percent(value)} of {where}; "
            "some of that agreement would happen by chance."
        )
    if measure == "unanimous":
        return f"Every coder gave the same value on {_percent(value)} of the {on} compared."
    return f"{interpret(value, measure)}. Based on {on}."


# ---------------------------------------------------------------------------- writing

ROW_COLUMNS = (
    "section",
    "field",
    "field label",
    "measure",
    "code",
    "code label",
    "coder",
    "other coder",
    "value",
    "ci low",
    "ci high",
    "recommendations compared",
    "prevalence",
    "reading",
)


def _number(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def report_rows(rep: Report) -> list[dict[str, Any]]:
    """The report as flat records (ROW_COLUMNS), for CSV and for any other table."""
    rows: list[dict[str, Any]] = []

    def add(**values: Any) -> None:
        rows.append({column: values.get(column.replace(" ", "_")) for column in ROW_COLUMNS})

    add(
        section="overlap",
        value=rep.overlap_units,
        recommendations_compared=rep.overlap_done,
        reading=rep.overlap_reading,
    )
    for fr in rep.fields:
        common = {"field": fr.key, "field_label": fr.label}
        for note in fr.notes:
            add(section="note", **common, reading=note)
        if rep.plan is not None:
            for row in (r for r in rep.plan.rows if r.field == fr.key):
                add(
                    section="sample plan",
                    **common,
                    measure="double-coded recommendations needed for alpha >= .800 at p = .05",
                    code=row.code,
                    code_label=row.code_label,
                    value=row.needs(),
                    recommendations_compared=row.have,
                    prevalence=row.share,
                    reading=row.reading(rep.plan.recommendations),
                )
        for fig in fr.figures:
            add(
                section="figure",
                **common,
                measure=fig.name,
                value=_number(fig.value),
                ci_low=_number(fig.ci[0]) if fig.ci else None,
                ci_high=_number(fig.ci[1]) if fig.ci else None,
                recommendations_compared=fig.n_pairable,
                reading=fig.reading,
            )
        for code in fr.by_code:
            add(
                section="code alpha",
                **common,
                measure="Krippendorff's alpha (nominal, present or absent)",
                code=code.code,
                code_label=code.label,
                value=_number(code.alpha),
                recommendations_compared=code.n_pairable,
                prevalence=code.prevalence,
                reading=code.reading,
            )
            add(
                section="code kappa",
                **common,
                measure=code.kappa_name,
                code=code.code,
                code_label=code.label,
                value=_number(code.kappa),
                recommendations_compared=code.n_pairable,
                prevalence=code.prevalence,
                reading=interpret(code.kappa, "kappa"),
            )
        if fr.pairwise is not None:
            pw = fr.pairwise
            for i, first in enumerate(pw.coders):
                for j, second in enumerate(pw.coders):
                    if i < j:
                        add(
                            section="pair",
                            **common,
                            measure=_measure_label(pw.measure, fr.kind),
                            coder=first,
                            other_coder=second,
                            value=_number(pw.values[i][j]),
                            recommendations_compared=pw.shared[i][j],
                            reading=interpret(pw.values[i][j], pw.measure),
                        )
    return rows


def _measure_label(key: str, kind: str) -> str:
    if key == "alpha" and kind == "multi":
        return "Krippendorff's alpha (MASI)"
    if key == "kappa" and kind == "ordinal":
        return "Cohen's weighted kappa (quadratic)"
    return next(m.label for m in MEASURES if m.key == key)


def to_csv(rep: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ROW_COLUMNS)
    for row in report_rows(rep):
        writer.writerow(["" if row[c] is None else csv_safe(row[c]) for c in ROW_COLUMNS])
    return buffer.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def report_dict(rep: Report) -> dict[str, Any]:
    """The report as plain data (NaN as null), for JSON."""
    data = _plain(asdict(rep))
    data["overlap_reading"] = rep.overlap_reading
    for fr, out in zip(rep.fields, data["fields"], strict=True):
        out["kind_label"] = fr.kind_label
        out["plan_reading"] = rep.plan_reading(fr.key)
    if rep.plan is not None:
        for row, out in zip(rep.plan.rows, data["plan"]["rows"], strict=True):
            out["reading"] = row.reading(rep.plan.recommendations)
    return data


def to_json(rep: Report) -> str:
    return json.dumps(report_dict(rep), ensure_ascii=False, indent=2, allow_nan=False)


def _fmt(value: float | None, measure: str = "") -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{value:.3f}"


def to_table(rep: Report) -> str:
    """The report as text for a terminal."""
    lines = [f"Inter-coder reliability{' of ' + rep.project if rep.project else ''}"]
    if rep.coders:
        lines.append(f"Coders compared: {', '.join(rep.coders)}")
    lines.append(rep.overlap_reading)
    for fr in rep.fields:
        lines.append("")
        title = f"{fr.label} ({fr.kind_label}): {_count(fr.n_units, 'recommendation')} compared"
        if fr.coders:
            title += f", coders {', '.join(fr.coders)}"
        lines.append(title)
        lines.extend(f"  Note: {note}" for note in fr.notes)
        planned = rep.plan_reading(fr.key)
        if planned:
            lines.append(f"  Sample plan: {planned}")
        if fr.figures:
            width = max(len(f.name) for f in fr.figures)
            ci = any(f.ci for f in fr.figures)
            head = f"  {'Measure':<{width}}  {'Value':>6}"
            if ci:
                head += f"  {'95 % interval':<15}"
            lines.append(head + f"  {'Compared':>8}  Reading")
            for fig in fr.figures:
                line = f"  {fig.name:<{width}}  {_fmt(fig.value):>6}"
                if ci:
                    interval = f"{_fmt(fig.ci[0])} to {_fmt(fig.ci[1])}" if fig.ci else ""
                    line += f"  {interval:<15}"
                lines.append(line + f"  {fig.n_pairable:>8}  {fig.reading}")
        if fr.by_code:
            lines.append("  By code, least reliable first:")
            width = min(40, max(len(c.label) for c in fr.by_code))
            lines.append(
                f"    {'Code':<{width}}  {'Alpha':>6}  {'Kappa':>6}  {'Share':>6}  Reading"
            )
            for code in fr.by_code:
                lines.append(
                    f"    {code.label[:width]:<{width}}  {_fmt(code.alpha):>6}  "
                    f"{_fmt(code.kappa):>6}  {code.prevalence:>6.1%}  {code.reading}"
                )
        if fr.pairwise is not None and len(fr.pairwise.coders) > 1:
            pw = fr.pairwise
            lines.append(f"  Between coders ({_measure_label(pw.measure, fr.kind)}):")
            width = max(len(c) for c in pw.coders)
            lines.append(
                "    " + " " * width + "".join(f"  {c:>{max(6, len(c))}}" for c in pw.coders)
            )
            for i, first in enumerate(pw.coders):
                cells = "".join(
                    f"  {_fmt(pw.values[i][j]) if i != j else '':>{max(6, len(c))}}"
                    for j, c in enumerate(pw.coders)
                )
                lines.append(f"    {first:<{width}}{cells}")
    return "\n".join(lines) + "\n"


def write_xlsx(rep: Report, path: Path) -> None:
    """A workbook: an About sheet, the figures, the codes, the pairs of coders.

    Every text cell is stored as text, so a label starting with "=" is never a formula.
    """
    with Book(path, scratch_dir=scratch_folder()) as book:
        _write_sheets(rep, book)


def _write_sheets(rep: Report, book: Book) -> None:
    def put(sheet: Rows, row: int, column: int, value: Any, *, header: bool = False) -> None:
        sheet.write(row, column, value, bold=header)

    def table(
        sheet: Rows,
        headers: Sequence[str],
        rows: Iterable[Sequence[Any]],
        widths: Sequence[int],
    ) -> None:
        for column, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
            put(sheet, 1, column, text, header=True)
            sheet.width(column, width)
        for r, values in enumerate(rows, start=2):
            for column, value in enumerate(values, start=1):
                put(sheet, r, column, value)
        sheet.ws.freeze_panes(1, 0)

    about = book.rows("About")
    facts = [
        ("Project", rep.project),
        ("Made", rep.generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("Coders compared", ", ".join(rep.coders) if rep.coders else "all coders"),
        ("Overlap", rep.overlap_reading),
        ("Recommendations assigned to two or more coders", rep.overlap_units),
        ("Of them done by two or more", rep.overlap_done),
        ("Bootstrap draws for the intervals", rep.bootstrap or "none"),
    ]
    table(about, ("About this report", ""), facts, (44, 100))
    notes = [(fr.label, note) for fr in rep.fields for note in fr.notes]
    for r, (label, note) in enumerate(notes, start=len(facts) + 3):
        put(about, r, 1, label)
        put(about, r, 2, note)

    figures = book.rows("Figures")
    table(
        figures,
        (
            "Field",
            "Kind",
            "Measure",
            "Value",
            "95 % low",
            "95 % high",
            "Compared",
            "Coders",
            "Reading",
        ),
        [
            (
                fr.label,
                fr.kind_label,
                fig.name,
                _number(fig.value),
                fig.ci[0] if fig.ci else None,
                fig.ci[1] if fig.ci else None,
                fig.n_pairable,
                fig.n_coders,
                fig.reading,
            )
            for fr in rep.fields
            for fig in fr.figures
        ],
        (24, 14, 34, 9, 9, 9, 10, 8, 90),
    )
    if any(fr.by_code for fr in rep.fields):
        codes = book.rows("By code")
        table(
            codes,
            (
                "Field",
                "Code",
                "Label",
                "Alpha",
                "Kappa",
                "Prevalence",
                "Chosen",
                "Compared",
                "Reading",
            ),
            [
                (
                    fr.label,
                    c.code,
                    c.label,
                    _number(c.alpha),
                    _number(c.kappa),
                    c.prevalence,
                    c.n_present,
                    c.n_pairable,
                    c.reading,
                )
                for fr in rep.fields
                for c in fr.by_code
            ],
            (24, 24, 36, 9, 9, 11, 9, 10, 80),
        )
    pairs = book.rows("Between coders")
    row = 1
    for fr in rep.fields:
        pw = fr.pairwise
        if pw is None:
            continue
        put(pairs, row, 1, f"{fr.label}: {_measure_label(pw.measure, fr.kind)}", header=True)
        for j, coder in enumerate(pw.coders, start=2):
            put(pairs, row + 1, j, coder, header=True)
        for i, coder in enumerate(pw.coders):
            put(pairs, row + 2 + i, 1, coder, header=True)
            for j in range(len(pw.coders)):
                if i != j:
                    put(pairs, row + 2 + i, j + 2, _number(pw.values[i][j]))
        row += len(pw.coders) + 3
    pairs.width(1, 40)
    if rep.plan is not None and rep.plan.rows:
        plan_sheet = book.rows("Sample plan")
        table(
            plan_sheet,
            (
                "Field",
                "Theme",
                "Rarest value",
                "Share",
                "Needed for α ≥ .800",
                "Needed for α ≥ .667",
                "Double-coded",
                "Met .800",
                "Met .667",
                "Reading",
            ),
            [
                (
                    row.field_label,
                    row.code_label or "",
                    row.rarest or "",
                    row.share,
                    row.needs(0.800),
                    row.needs(0.667),
                    row.have,
                    _met(row.enough(0.800)),
                    _met(row.enough(0.667)),
                    row.reading(rep.plan.recommendations),
                )
                for row in rep.plan.rows
            ],
            (24, 30, 24, 9, 12, 12, 12, 9, 9, 90),
        )


def _met(enough: bool | None) -> str:
    return "" if enough is None else ("yes" if enough else "no")


FORMATS = ("table", "csv", "json", "xlsx")


def write_report(
    rep: Report, fmt: str, path: Path | None = None, *, project_path: Path | None = None
) -> str | None:
    """Write the report in ``fmt`` to ``path``; without a path return the text.

    ``project_path``: the open project, which the file must never replace."""
    if fmt not in FORMATS:
        raise ValueError(f"Choose a format from {', '.join(FORMATS)}, not '{fmt}'.")
    if fmt == "xlsx" and path is None:
        raise ValueError("A workbook needs a file to go to: give --out FILE.xlsx.")
    if path is None:
        return {"table": to_table, "csv": to_csv, "json": to_json}[fmt](rep)
    out = check_target(path, protect=[project_path])
    with written_whole(out) as partial:
        if fmt == "xlsx":
            write_xlsx(rep, partial)
        else:
            text = {"table": to_table, "csv": to_csv, "json": to_json}[fmt](rep)
            partial.write_text(text, encoding="utf-8", newline="")
    return None
