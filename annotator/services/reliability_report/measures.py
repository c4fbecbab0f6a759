"""The agreement measures a report can give, and the plain-English reading of a value."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotator import reliability as rel

if TYPE_CHECKING:
    pass

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


ALPHAS = ("alpha", "jaccard")


def interpret(value: float, measure: str, n_units: int | None = None) -> str:
    """What a figure means, as a sentence without its full stop; an alpha on fewer than
    ``rel.MIN_UNITS_FOR_ALPHA`` compared recommendations (``n_units``) gets no verdict."""
    if value is None or math.isnan(value):
        return "Undefined"
    if measure in ALPHAS and n_units is not None and rel.too_few_units(n_units):
        return rel.too_few_reading(n_units)
    if measure in ALPHAS:
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
    on = count_of(n_pairable, "recommendation")
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
    if measure in ALPHAS and rel.too_few_units(n_pairable):
        return f"{rel.too_few_reading(n_pairable)}."
    return f"{interpret(value, measure)}. Based on {on}."


def count_of(n: int, word: str) -> str:
    """ "1 recommendation", "2 recommendations"."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
