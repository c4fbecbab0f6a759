"""annotator.reliability against published examples and reference implementations.

References: the `krippendorff` package (always with level_of_measurement given: it
defaults to interval), irrCAC (Gwet's coefficients; asked for 15 digits instead of its
default 5), statsmodels (Fleiss' kappa), scikit-learn (Cohen's kappa) and nltk (MASI).
"""

from __future__ import annotations

import functools
import math
import warnings

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from irrCAC.raw import CAC
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import jaccard_distance, masi_distance
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from annotator.reliability import (
    GWET_WEIGHTS,
    Coefficient,
    bootstrap_ci,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac2,
    interpret_alpha,
    krippendorff_alpha,
    pairs,
    pairwise_matrix,
    per_code_alpha,
    percent_agreement,
    scott_pi,
)

TOL = 1e-9

# --------------------------------------------------------------------------------------
# Data helpers
# --------------------------------------------------------------------------------------


def long_from_matrix(matrix, coders=None) -> pd.DataFrame:
    """coders × units matrix (NaN = missing) -> long table."""
    matrix = np.asarray(matrix, dtype=object)
    coders = coders or [f"coder {i}" for i in range(matrix.shape[0])]
    rows = [
        (unit, coders[c], matrix[c, unit])
        for c in range(matrix.shape[0])
        for unit in range(matrix.shape[1])
        if not (isinstance(matrix[c, unit], float) and math.isnan(matrix[c, unit]))
    ]
    return pd.DataFrame(rows, columns=["unit", "coder", "value"])


def wide(df: pd.DataFrame) -> pd.DataFrame:
    """Long table -> units × coders, as irrCAC wants it."""
    table = df.pivot(index="unit", columns="coder", values="value").astype(float)
    table.columns = [str(c) for c in table.columns]
    return table


def random_ratings(
    rng: np.random.Generator,
    coders: int,
    categories: int,
    units: int,
    missing: float,
    agreement: float = 0.6,
) -> np.ndarray:
    """coders × units of category numbers 1..categories, NaN where missing.

    Each unit has a 'true' category that each coder reports with probability
    `agreement`, so the coefficients are away from zero.
    """
    truth = rng.integers(1, categories + 1, size=units)
    noise = rng.integers(1, categories + 1, size=(coders, units))
    values = np.where(rng.random((coders, units)) < agreement, truth, noise).astype(float)
    values[rng.random((coders, units)) < missing] = np.nan
    return values


def irrcac(df: pd.DataFrame, **kwargs) -> CAC:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # irrCAC's own pandas chained-assignment noise
        return CAC(wide(df), digits=15, **kwargs)


def irr_value(cac: CAC, method: str, key: str = "coefficient_value") -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(getattr(cac, method)()["est"][key])


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four
# observers, twelve units, values 1-5, with missing data.
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
        [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan],
    ]
)
KRIPPENDORFF_2011_PUBLISHED = {
    "nominal": 0.743,
    "ordinal": 0.815,
    "interval": 0.849,
    "ratio": 0.797,
}

# Fleiss (1971), Table 1: 30 patients, 6 psychiatrists each, 5 diagnoses
# (1 depression, 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other),
# as the raw `diagnoses` data of R's irr package (also in statsmodels' tests).
FLEISS_1971 = np.array(
    [
        [4, 4, 4, 4, 4, 4],
        [2, 2, 2, 5, 5, 5],
        [2, 3, 3, 3, 3, 5],
        [5, 5, 5, 5, 5, 5],
        [2, 2, 2, 4, 4, 4],
        [1, 1, 3, 3, 3, 3],
        [3, 3, 3, 3, 5, 5],
        [1, 1, 3, 3, 3, 4],
        [1, 1, 4, 4, 4, 4],
        [5, 5, 5, 5, 5, 5],
        [1, 4, 4, 4, 4, 4],
        [1, 2, 4, 4, 4, 4],
        [2, 2, 2, 3, 3, 3],
        [1, 4, 4, 4, 4, 4],
        [2, 2, 4, 4, 4, 5],
        [3, 3, 3, 3, 3, 5],
        [1, 1, 1, 4, 5, 5],
        [1, 1, 1, 1, 1, 2],
        [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 5, 5, 5],
        [5, 5, 5, 5, 5, 5],
        [2, 4, 4, 4, 4, 4],
        [2, 2, 4, 5, 5, 5],
        [1, 1, 4, 4, 4, 4],
        [1, 4, 4, 4, 4, 5],
        [2, 2, 2, 2, 2, 4],
        [1, 1, 1, 1, 5, 5],
        [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 3, 3, 3],
        [5, 5, 5, 5, 5, 5],
    ]
)

# Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories;
# each row counts the raters who chose each category. Published kappa 0.210.
WIKIPEDIA_FLEISS = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)


def long_from_counts(counts: np.ndarray) -> pd.DataFrame:
    """Subjects × categories counts -> long table, raters numbered within each subject."""
    rows = []
    for unit, row in enumerate(counts):
        values = np.repeat(np.arange(1, len(row) + 1), row)
        rows += [(unit, rater, int(v)) for rater, v in enumerate(values)]
    return pd.DataFrame(rows, columns=["unit", "coder", "value"])


# --------------------------------------------------------------------------------------
# Published examples
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_2011_worked_example(level):
    df = long_from_matrix(KRIPPENDORFF_2011)
    result = krippendorff_alpha(df, level=level)
    assert round(result.value, 3) == KRIPPENDORFF_2011_PUBLISHED[level]
    reference = krippendorff.alpha(KRIPPENDORFF_2011, level_of_measurement=level)
    assert result.value == pytest.approx(reference, abs=TOL)
    assert (result.n_units, result.n_pairable, result.n_coders) == (12, 11, 4)
    assert result.details["n_pairable_values"] == 40


def test_krippendorff_2011_nominal_is_exact():
    # The paper's coincidence matrix gives D_o = 8/40 and D_e = 30.4/39.
    result = krippendorff_alpha(long_from_matrix(KRIPPENDORFF_2011))
    assert result.details["observed_disagreement"] == pytest.approx(8 / 40, abs=1e-12)
    assert result.details["expected_disagreement"] == pytest.approx(30.4 / 39, abs=1e-12)
    assert result.value == pytest.approx(1 - (8 / 40) / (30.4 / 39), abs=1e-12)


def test_krippendorff_2011_nominal_matches_irrcac():
    df = long_from_matrix(KRIPPENDORFF_2011)
    expected = irr_value(irrcac(df), "krippendorff")
    assert krippendorff_alpha(df).value == pytest.approx(expected, abs=TOL)


def test_fleiss_1971_diagnoses():
    df = long_from_matrix(FLEISS_1971.T)
    result = fleiss_kappa(df)
    assert round(result.value, 3) == 0.430  # as published by Fleiss
    reference = sm_fleiss_kappa(aggregate_raters(FLEISS_1971)[0])
    assert result.value == pytest.approx(reference, abs=TOL)
    assert result.value == pytest.approx(0.4302445, abs=5e-8)  # R irr::kappam.fleiss
    assert result.value == pytest.approx(irr_value(irrcac(df), "fleiss"), abs=TOL)
    assert (result.n_units, result.n_pairable, result.n_coders) == (30, 30, 6)


def test_wikipedia_fleiss_example():
    df = long_from_counts(WIKIPEDIA_FLEISS)
    result = fleiss_kappa(df)
    assert round(result.value, 3) == 0.210
    assert result.value == pytest.approx(sm_fleiss_kappa(WIKIPEDIA_FLEISS), abs=TOL)
    assert result.details["p_a"] == pytest.approx(0.378, abs=5e-4)
    assert result.details["p_e"] == pytest.approx(0.213, abs=5e-4)


# --------------------------------------------------------------------------------------
# Reference implementations on seeded random data
# --------------------------------------------------------------------------------------


def _random_cases(count: int, seed: int):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        coders = int(rng.integers(2, 7))
        categories = int(rng.integers(2, 16))
        units = int(rng.integers(5, 80))
        missing = float(rng.uniform(0, 0.4))
        yield random_ratings(rng, coders, categories, units, missing, rng.uniform(0.2, 0.9))


@pytest.mark.parametrize("case", range(60))
def test_nominal_alpha_matches_krippendorff_package(case):
    matrix = list(_random_cases(60, seed=2024))[case]
    df = long_from_matrix(matrix)
    ours = krippendorff_alpha(df, level="nominal")
    try:
        reference = krippendorff.alpha(matrix, level_of_measurement="nominal")
    except ValueError:  # the package refuses one value or no pairable unit
        assert not ours.defined and ours.reason
        return
    if np.isnan(reference):
        assert not ours.defined
    else:
        assert ours.value == pytest.approx(reference, abs=TOL)


@pytest.mark.parametrize("level", ["ordinal", "interval", "ratio"])
@pytest.mark.parametrize("case", range(15))
def test_other_levels_match_krippendorff_package(level, case):
    matrix = list(_random_cases(15, seed=77))[case]
    df = long_from_matrix(matrix)
    ours = krippendorff_alpha(df, level=level)
    try:
        reference = krippendorff.alpha(matrix, level_of_measurement=level)
    except ValueError:
        assert not ours.defined
        return
    assert ours.value == pytest.approx(reference, abs=TOL)


def test_ordinal_alpha_uses_the_given_category_order():
    words = ["very low", "low", "mid", "high", "very high"]
    numbers = long_from_matrix(KRIPPENDORFF_2011)
    df = numbers.assign(value=[words[int(v) - 1] for v in numbers["value"]])
    ours = krippendorff_alpha(df, level="ordinal", categories=words)
    assert round(ours.value, 3) == 0.815
    numeric = krippendorff_alpha(numbers, level="ordinal")
    assert ours.value == pytest.approx(numeric.value, abs=TOL)
    ordered = df.assign(value=pd.Categorical(df["value"], categories=words, ordered=True))
    assert krippendorff_alpha(ordered, level="ordinal").value == pytest.approx(ours.value, abs=TOL)
    with pytest.raises(ValueError, match="order"):
        krippendorff_alpha(df.assign(value=df["value"].where(df.index % 2 == 0, 3)), "ordinal")


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_matches_sklearn(seed, weights):
    rng = np.random.default_rng(seed)
    categories = int(rng.integers(2, 9))
    matrix = random_ratings(rng, 2, categories, int(rng.integers(10, 120)), rng.uniform(0, 0.3))
    df = long_from_matrix(matrix)
    both = ~np.isnan(matrix).any(axis=0)
    labels = list(range(1, categories + 1))
    expected = cohen_kappa_score(
        matrix[0, both].astype(int), matrix[1, both].astype(int), labels=labels, weights=weights
    )
    result = cohen_kappa(df, weights=weights, categories=labels)
    if np.isnan(expected):
        assert not result.defined
    else:
        assert result.value == pytest.approx(expected, abs=TOL)
    assert result.n_pairable == both.sum()
    if weights is None:
        assert cohen_kappa(df).value == pytest.approx(result.value, abs=TOL, nan_ok=True)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_on_text_categories_in_given_order(weights):
    rng = np.random.default_rng(5)
    matrix = random_ratings(rng, 2, 4, 60, 0.0)
    words = np.array(["vague", "general", "specific", "measurable"])
    y1, y2 = words[matrix[0].astype(int) - 1], words[matrix[1].astype(int) - 1]
    df = long_from_matrix(np.vstack([y1, y2]).astype(object))
    expected = cohen_kappa_score(y1, y2, labels=list(words), weights=weights)
    assert cohen_kappa(df, weights=weights, categories=list(words)).value == pytest.approx(
        expected, abs=TOL
    )


@pytest.mark.parametrize("seed", range(25))
def test_gwet_and_fleiss_match_irrcac_with_missing_data(seed):
    rng = np.random.default_rng(1000 + seed)
    matrix = random_ratings(
        rng, int(rng.integers(2, 7)), int(rng.integers(2, 8)), int(rng.integers(8, 60)), 0.3
    )
    df = long_from_matrix(matrix)
    if df.groupby("unit").size().max() < 2 or df["value"].nunique() < 2:
        pytest.skip("no pairable unit or a single category")
    cac = irrcac(df)
    assert gwet_ac1(df).value == pytest.approx(irr_value(cac, "gwet"), abs=TOL)
    assert fleiss_kappa(df).value == pytest.approx(irr_value(cac, "fleiss"), abs=TOL)
    assert percent_agreement(df).value == pytest.approx(irr_value(cac, "gwet", "pa"), abs=TOL)
    assert gwet_ac1(df).details["p_e"] == pytest.approx(irr_value(cac, "gwet", "pe"), abs=TOL)


@pytest.mark.parametrize("weights", [w for w in GWET_WEIGHTS if w != "identity"])
@pytest.mark.parametrize("seed", range(8))
def test_gwet_ac2_matches_irrcac(weights, seed):
    rng = np.random.default_rng(500 + seed)
    matrix = random_ratings(rng, int(rng.integers(2, 6)), 5, 40, 0.25)
    df = long_from_matrix(matrix)
    categories = [1, 2, 3, 4, 5]  # all declared, so unused ones count as in irrCAC
    expected = irr_value(irrcac(df, weights=weights, categories=categories), "gwet")
    result = gwet_ac2(df, weights=weights, categories=categories)
    assert result.value == pytest.approx(expected, abs=TOL)
    assert result.name == f"Gwet's AC2 ({weights} weights)"


def test_gwet_ac1_counts_declared_but_unused_categories():
    rng = np.random.default_rng(3)
    df = long_from_matrix(random_ratings(rng, 3, 3, 30, 0.2))
    declared = [1, 2, 3, 4, 5, 6]
    expected = irr_value(irrcac(df, categories=declared), "gwet")
    assert gwet_ac1(df, categories=declared).value == pytest.approx(expected, abs=TOL)
    assert gwet_ac1(df, categories=declared).value != pytest.approx(gwet_ac1(df).value)


def test_gwet_ac2_accepts_a_weight_matrix():
    rng = np.random.default_rng(4)
    df = long_from_matrix(random_ratings(rng, 4, 4, 50, 0.2))
    matrix = np.array([[1, 0.5, 0, 0], [0.5, 1, 0.5, 0], [0, 0.5, 1, 0.5], [0, 0, 0.5, 1]])
    expected = irr_value(irrcac(df, weights=matrix), "gwet")
    assert gwet_ac2(df, weights=matrix).value == pytest.approx(expected, abs=TOL)
    with pytest.raises(ValueError, match="4 × 4"):
        gwet_ac2(df, weights=np.eye(3))


@pytest.mark.parametrize("seed", range(10))
def test_fleiss_matches_statsmodels_on_complete_data(seed):
    rng = np.random.default_rng(seed)
    matrix = random_ratings(rng, int(rng.integers(2, 9)), int(rng.integers(2, 10)), 50, 0.0)
    expected = sm_fleiss_kappa(aggregate_raters(matrix.T.astype(int))[0])
    assert fleiss_kappa(long_from_matrix(matrix)).value == pytest.approx(expected, abs=TOL)


@pytest.mark.parametrize("seed", range(10))
def test_scott_pi_is_two_coder_fleiss_and_nltk_pi(seed):
    rng = np.random.default_rng(seed)
    matrix = random_ratings(rng, 2, int(rng.integers(2, 7)), 40, 0.0)
    df = long_from_matrix(matrix)
    result = scott_pi(df)
    assert result.value == pytest.approx(irr_value(irrcac(df), "fleiss"), abs=TOL)
    task = AnnotationTask([(row.coder, str(row.unit), row.value) for row in df.itertuples()])
    assert result.value == pytest.approx(task.pi(), abs=TOL)


def test_scott_pi_uses_only_units_rated_by_both():
    rng = np.random.default_rng(9)
    matrix = random_ratings(rng, 2, 4, 60, 0.3)
    both = ~np.isnan(matrix).any(axis=0)
    complete = long_from_matrix(matrix[:, both])
    result = scott_pi(long_from_matrix(matrix))
    assert result.value == pytest.approx(scott_pi(complete).value, abs=TOL)
    assert result.n_pairable == both.sum()


def _random_sets(rng, coders, units, codes="abcde", empty=False, missing=0.0):
    rows = []
    for unit in range(units):
        core = set(rng.choice(list(codes), size=int(rng.integers(1, 3)), replace=False))
        for coder in range(coders):
            if rng.random() < missing:
                continue
            labels = set(core)
            if rng.random() < 0.4:
                labels.add(str(rng.choice(list(codes))))
            if rng.random() < 0.3 and len(labels) > 1:
                labels.discard(sorted(labels)[0])
            if empty and rng.random() < 0.15:
                labels = set()
            rows.append((unit, f"c{coder}", frozenset(labels)))
    return pd.DataFrame(rows, columns=["unit", "coder", "value"])


@pytest.mark.parametrize("seed", range(12))
def test_masi_and_jaccard_alpha_match_nltk(seed):
    rng = np.random.default_rng(seed)
    df = _random_sets(rng, int(rng.integers(2, 5)), int(rng.integers(10, 40)))
    data = [(row.coder, str(row.unit), row.value) for row in df.itertuples()]
    masi = AnnotationTask(data, distance=masi_distance).alpha()
    assert krippendorff_alpha(df, distance="masi").value == pytest.approx(masi, abs=TOL)
    jaccard = AnnotationTask(data, distance=jaccard_distance).alpha()
    assert krippendorff_alpha(df, distance="jaccard").value == pytest.approx(jaccard, abs=TOL)


def _masi_with_empty_sets(a, b):
    return 0.0 if not a and not b else masi_distance(a, b)


def test_masi_alpha_with_empty_sets_and_missing_ratings():
    rng = np.random.default_rng(42)
    df = _random_sets(rng, 4, 50, empty=True, missing=0.25)
    assert (df["value"] == frozenset()).any()
    data = [(row.coder, str(row.unit), row.value) for row in df.itertuples()]
    expected = AnnotationTask(data, distance=_masi_with_empty_sets).alpha()
    assert krippendorff_alpha(df, distance="masi").value == pytest.approx(expected, abs=TOL)


def test_masi_on_single_codes_is_nominal_alpha():
    df = long_from_matrix(KRIPPENDORFF_2011)
    as_sets = df.assign(value=[frozenset([v]) for v in df["value"]])
    assert krippendorff_alpha(as_sets, distance="masi").value == pytest.approx(
        krippendorff_alpha(df).value, abs=TOL
    )


def test_set_values_may_come_as_sets_or_lists():
    rng = np.random.default_rng(1)
    df = _random_sets(rng, 3, 20)
    expected = krippendorff_alpha(df, distance="masi").value
    as_sets = df.assign(value=[set(v) for v in df["value"]])
    as_lists = df.assign(value=[sorted(v) for v in df["value"]])
    assert krippendorff_alpha(as_sets, distance="masi").value == pytest.approx(expected)
    assert krippendorff_alpha(as_lists, distance="masi").value == pytest.approx(expected)


def test_set_distance_needs_sets():
    with pytest.raises(ValueError, match="frozenset"):
        krippendorff_alpha(long_from_matrix(KRIPPENDORFF_2011), distance="masi")


def test_per_code_alpha_matches_binary_alpha_per_code():
    rng = np.random.default_rng(8)
    df = _random_sets(rng, 4, 60, codes="abcdefg", missing=0.2)
    result = per_code_alpha(df, codes=["unused"])
    defined = result.dropna(subset=["alpha"])
    assert list(defined["alpha"]) == sorted(defined["alpha"])  # least reliable first
    assert result.iloc[-1]["code"] == "unused" and math.isnan(result.iloc[-1]["alpha"])
    assert result.iloc[-1]["reason"] == "No pairable rating includes this code."
    coders = sorted(df["coder"].unique())
    for row in defined.itertuples():
        matrix = np.full((len(coders), df["unit"].max() + 1), np.nan)
        for rating in df.itertuples():
            matrix[coders.index(rating.coder), rating.unit] = row.code in rating.value
        expected = krippendorff.alpha(matrix, level_of_measurement="nominal")
        assert row.alpha == pytest.approx(expected, abs=TOL)
        share = df["value"].map(lambda s, code=row.code: code in s).mean()
        assert row.prevalence == pytest.approx(share, abs=TOL)
        assert row.interpretation == interpret_alpha(row.alpha)


def test_per_code_alpha_code_in_every_rating_is_undefined():
    df = pd.DataFrame(
        {
            "unit": [1, 1, 2, 2],
            "coder": ["a", "b", "a", "b"],
            "value": [frozenset("xy"), frozenset("x"), frozenset("x"), frozenset("xy")],
        }
    )
    result = per_code_alpha(df).set_index("code")
    assert math.isnan(result.loc["x", "alpha"])
    assert result.loc["x", "reason"] == "Every pairable rating includes this code."
    assert result.loc["x", "prevalence"] == 1.0 and result.loc["y", "prevalence"] == 0.5


# --------------------------------------------------------------------------------------
# Bootstrap and pairwise tables
# --------------------------------------------------------------------------------------


def test_bootstrap_ci_is_seeded_and_matches_a_plain_resampling():
    df = long_from_matrix(KRIPPENDORFF_2011)
    result = bootstrap_ci(df, krippendorff_alpha, draws=300, seed=7, level=0.9)
    again = bootstrap_ci(df, krippendorff_alpha, draws=300, seed=7, level=0.9)
    assert result == again
    assert result.value == krippendorff_alpha(df).value
    low, high = result.ci
    assert low < result.value < high <= 1
    assert result.details["draws"] == 300 and result.details["ci_level"] == 0.9
    # A callable the module does not know gets rebuilt DataFrames from the same draws.
    generic = bootstrap_ci(df, lambda d: krippendorff_alpha(d), draws=300, seed=7, level=0.9)
    assert generic.ci == pytest.approx(result.ci, abs=TOL)
    assert bootstrap_ci(df, krippendorff_alpha, draws=300, seed=8).ci != result.ci


@pytest.mark.parametrize(
    ("statistic", "kwargs"),
    [
        (percent_agreement, {"method": "unanimous"}),
        (fleiss_kappa, {}),
        (gwet_ac1, {}),
        (gwet_ac2, {"weights": "linear"}),
        (functools.partial(krippendorff_alpha, level="ordinal"), {}),
        (functools.partial(krippendorff_alpha, level="interval"), {}),
    ],
)
def test_bootstrap_fast_path_equals_resampled_tables(statistic, kwargs):
    df = long_from_matrix(random_ratings(np.random.default_rng(2), 4, 5, 40, 0.3))
    fast = bootstrap_ci(df, statistic, draws=60, seed=3, **kwargs)
    slow = bootstrap_ci(df, lambda d, **k: statistic(d, **k), draws=60, seed=3, **kwargs)
    assert fast.ci == pytest.approx(slow.ci, abs=TOL)
    assert fast.name == statistic(df, **kwargs).name


def test_bootstrap_level_is_the_confidence_level():
    df = long_from_matrix(KRIPPENDORFF_2011)
    with pytest.raises(ValueError, match=r"functools\.partial"):
        bootstrap_ci(df, krippendorff_alpha, level="ordinal")
    narrow = bootstrap_ci(df, krippendorff_alpha, draws=200, level=0.5).ci
    wide_ = bootstrap_ci(df, krippendorff_alpha, draws=200, level=0.99).ci
    assert wide_[0] < narrow[0] < narrow[1] < wide_[1]


def test_bootstrap_two_coder_statistics():
    df = long_from_matrix(random_ratings(np.random.default_rng(6), 2, 4, 80, 0.2))
    for statistic in (cohen_kappa, scott_pi):
        fast = bootstrap_ci(df, statistic, draws=80, seed=1)
        slow = bootstrap_ci(df, lambda d, s=statistic: s(d), draws=80, seed=1)
        assert fast.ci == pytest.approx(slow.ci, abs=TOL)
    weighted = bootstrap_ci(df, cohen_kappa, draws=50, weights="quadratic")
    assert weighted.name == "Cohen's weighted kappa (quadratic)" and weighted.ci


def test_bootstrap_of_an_undefined_coefficient_has_no_interval():
    df = pd.DataFrame({"unit": [1, 1, 2, 2], "coder": list("abab"), "value": [3] * 4})
    result = bootstrap_ci(df, krippendorff_alpha, draws=10)
    assert not result.defined and result.ci is None and result.reason
    with pytest.raises(ValueError):
        bootstrap_ci(df, krippendorff_alpha, draws=0)


def test_pairwise_matrix():
    df = long_from_matrix(KRIPPENDORFF_2011, coders=["A", "B", "C", "D"])
    table = pairwise_matrix(df)
    assert list(table.index) == ["A", "B", "C", "D"] == list(table.columns)
    assert np.isnan(np.diag(table.to_numpy())).all()
    assert np.allclose(table.to_numpy(), table.to_numpy().T, equal_nan=True)
    pair = df[df["coder"].isin(["B", "C"])]
    assert table.loc["B", "C"] == pytest.approx(cohen_kappa(pair).value, abs=TOL)
    agreement = pairwise_matrix(df, percent_agreement, method="unanimous")
    assert agreement.loc["A", "D"] == pytest.approx(
        percent_agreement(df[df["coder"].isin(["A", "D"])], "unanimous").value
    )


def test_pairwise_matrix_pair_without_shared_units_is_nan():
    df = pd.DataFrame({"unit": [1, 1, 2, 2, 3], "coder": list("abacc"), "value": [1, 2, 1, 1, 2]})
    table = pairwise_matrix(df, percent_agreement)
    assert table.loc["a", "b"] == 0.0 and table.loc["a", "c"] == 1.0
    assert np.isnan(table.loc["b", "c"]) and np.isnan(table.loc["c", "b"])


def test_a_categorical_dtype_declares_the_categories():
    rng = np.random.default_rng(11)
    df = long_from_matrix(random_ratings(rng, 3, 3, 30, 0.2))
    declared = [1.0, 2.0, 3.0, 4.0]
    as_categorical = df.assign(value=pd.Categorical(df["value"], categories=declared))
    assert gwet_ac1(as_categorical).value == pytest.approx(
        gwet_ac1(df, categories=declared).value, abs=TOL
    )
    assert fleiss_kappa(as_categorical).value == pytest.approx(fleiss_kappa(df).value, abs=TOL)
    generic = bootstrap_ci(as_categorical, lambda d: gwet_ac1(d), draws=30)
    assert generic.ci == pytest.approx(bootstrap_ci(as_categorical, gwet_ac1, draws=30).ci)


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------


@st.composite
def ratings(draw, max_coders=5, max_categories=6, max_units=25):
    coders = draw(st.integers(2, max_coders))
    categories = draw(st.integers(2, max_categories))
    units = draw(st.integers(2, max_units))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    matrix = random_ratings(rng, coders, categories, units, draw(st.floats(0, 0.4)))
    return long_from_matrix(matrix), rng


NOMINAL_STATISTICS = [
    percent_agreement,
    lambda d: percent_agreement(d, "unanimous"),
    fleiss_kappa,
    gwet_ac1,
    lambda d: gwet_ac2(d, "quadratic"),
    krippendorff_alpha,
    lambda d: krippendorff_alpha(d, "ordinal"),
    lambda d: krippendorff_alpha(d, "interval"),
]


def _same(a: Coefficient, b: Coefficient) -> bool:
    if not a.defined:
        return not b.defined
    return abs(a.value - b.value) < TOL


@settings(max_examples=60, deadline=None)
@given(ratings())
def test_permuting_coders_and_units_changes_nothing(case):
    df, rng = case
    coders = df["coder"].unique()
    rename = dict(zip(coders, rng.permutation(coders), strict=True))
    units = df["unit"].unique()
    shuffled = df.assign(
        coder=df["coder"].map(rename),
        unit=df["unit"].map(dict(zip(units, rng.permutation(units) + 1000, strict=True))),
    ).sample(frac=1, random_state=int(rng.integers(0, 1000)))
    for statistic in NOMINAL_STATISTICS:
        assert _same(statistic(df), statistic(shuffled))
    two = df[df["coder"].isin(coders[:2])]
    two_shuffled = shuffled[shuffled["coder"].isin([rename[c] for c in coders[:2]])]
    for statistic in (cohen_kappa, scott_pi):
        assert _same(statistic(two), statistic(two_shuffled))


@settings(max_examples=60, deadline=None)
@given(ratings())
def test_relabelling_categories_changes_nothing_for_nominal_data(case):
    df, rng = case
    values = np.sort(df["value"].unique())
    labels = dict(zip(values, [f"label {i}" for i in rng.permutation(len(values))], strict=True))
    relabelled = df.assign(value=df["value"].map(labels))
    for statistic in (percent_agreement, fleiss_kappa, gwet_ac1, krippendorff_alpha):
        assert _same(statistic(df), statistic(relabelled))
    two = df[df["coder"].isin(df["coder"].unique()[:2])]
    for statistic in (cohen_kappa, scott_pi):
        assert _same(statistic(two), statistic(two.assign(value=two["value"].map(labels))))


@settings(max_examples=60, deadline=None)
@given(ratings(), st.integers(1, 4))
def test_perfect_agreement_gives_one_where_defined(case, multiplier):
    df, _ = case
    truth = df.groupby("unit")["value"].transform("first") * multiplier
    perfect = df.assign(value=truth)
    extra = [lambda d: krippendorff_alpha(d, "ratio"), lambda d: gwet_ac2(d, "linear")]
    for statistic in [*NOMINAL_STATISTICS, *extra]:
        result = statistic(perfect)
        assert not result.defined or result.value == pytest.approx(1.0, abs=TOL)
    two = perfect[perfect["coder"].isin(perfect["coder"].unique()[:2])]
    for weights in (None, "linear", "quadratic"):
        result = cohen_kappa(two, weights=weights)
        assert not result.defined or result.value == pytest.approx(1.0, abs=TOL)


@settings(max_examples=40, deadline=None)
@given(ratings(max_coders=4, max_units=30), st.integers(1, 12))
def test_chunked_coincidences_equal_unchunked(case, chunk):
    df, _ = case
    expected = [krippendorff_alpha(df, "ordinal"), gwet_ac2(df, "linear")]
    original = pairs._PAIR_CHUNK
    pairs._PAIR_CHUNK = chunk  # a tiny chunk forces the split into many pieces
    try:
        assert _same(krippendorff_alpha(df, "ordinal"), expected[0])
        assert _same(gwet_ac2(df, "linear"), expected[1])
    finally:
        pairs._PAIR_CHUNK = original


# --------------------------------------------------------------------------------------
# Degenerate inputs and bad requests
# --------------------------------------------------------------------------------------

ALL_COEFFICIENTS = [
    percent_agreement,
    lambda d: percent_agreement(d, "unanimous"),
    cohen_kappa,
    lambda d: cohen_kappa(d, weights="linear"),
    scott_pi,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac2,
    krippendorff_alpha,
    lambda d: krippendorff_alpha(d, "ordinal"),
    lambda d: krippendorff_alpha(d, "interval"),
]


@pytest.mark.parametrize("statistic", ALL_COEFFICIENTS)
def test_empty_input_is_undefined(statistic):
    empty = pd.DataFrame({"unit": [], "coder": [], "value": []})
    result = statistic(empty)
    assert not result.defined
    assert result.reason == "There are no ratings."
    assert (result.n_units, result.n_pairable, result.n_coders) == (0, 0, 0)


@pytest.mark.parametrize("statistic", ALL_COEFFICIENTS)
def test_a_single_coder_is_undefined(statistic):
    one = pd.DataFrame({"unit": [1, 2, 3], "coder": ["a"] * 3, "value": [1, 2, 3]})
    result = statistic(one)
    assert not result.defined
    assert "one coder" in result.reason
    assert (result.n_units, result.n_coders) == (3, 1)


@pytest.mark.parametrize("statistic", ALL_COEFFICIENTS)
def test_units_rated_once_are_not_pairable(statistic):
    once = pd.DataFrame({"unit": [1, 2, 3, 4], "coder": list("abab"), "value": [1, 2, 1, 2]})
    result = statistic(once)
    assert not result.defined and result.n_pairable == 0
    assert result.reason in (
        "No unit was rated by two or more coders, so there is nothing to compare.",
        "The two coders rated no unit in common.",
    )


def test_one_category_used_by_everyone():
    same = pd.DataFrame({"unit": [1, 1, 1, 2, 2, 3], "coder": list("abcabc"), "value": ["x"] * 6})
    assert percent_agreement(same).value == 1.0
    assert percent_agreement(same, "unanimous").value == 1.0
    for statistic in (fleiss_kappa, krippendorff_alpha, gwet_ac1):
        result = statistic(same)
        assert not result.defined and result.n_pairable == 2, statistic
        assert result.reason
    assert "no variation" in krippendorff_alpha(same).reason
    assert "Chance agreement is 1" in fleiss_kappa(same).reason
    assert "Only one category" in gwet_ac1(same).reason
    # With a second category declared, AC1's chance agreement is 0 and AC1 is 1.
    assert gwet_ac1(same, categories=["x", "y"]).value == 1.0
    pair = same[same["coder"].isin(["a", "b"])]
    for statistic in (cohen_kappa, scott_pi):
        result = statistic(pair)
        assert not result.defined and "Chance agreement is 1" in result.reason


def test_results_say_what_they_are():
    df = long_from_matrix(KRIPPENDORFF_2011)
    pair = df[df["coder"].isin(["coder 0", "coder 1"])]
    assert percent_agreement(df).name == "Percent agreement (pairwise)"
    assert percent_agreement(df, "unanimous").name == "Percent agreement (unanimous)"
    assert cohen_kappa(pair).name == "Cohen's kappa"
    assert cohen_kappa(pair, weights="linear").name == "Cohen's weighted kappa (linear)"
    assert "Gwet (2014)" in fleiss_kappa(df).details["variant"]
    assert krippendorff_alpha(df, "interval").name == "Krippendorff's alpha (interval)"
    assert gwet_ac1(df).name == "Gwet's AC1"
    unanimous = percent_agreement(df, "unanimous")
    matrix = KRIPPENDORFF_2011
    pairable = [u for u in range(12) if (~np.isnan(matrix[:, u])).sum() >= 2]
    agree = [u for u in pairable if len(set(matrix[~np.isnan(matrix[:, u]), u])) == 1]
    assert unanimous.value == pytest.approx(len(agree) / len(pairable))


def test_bad_requests_raise_clear_errors():
    df = long_from_matrix(KRIPPENDORFF_2011)
    with pytest.raises(ValueError, match="exactly two coders"):
        cohen_kappa(df)
    with pytest.raises(ValueError, match="exactly two coders"):
        scott_pi(df)
    with pytest.raises(ValueError, match="missing: value"):
        krippendorff_alpha(df.drop(columns="value"))
    with pytest.raises(ValueError, match="more than once"):
        fleiss_kappa(pd.concat([df, df.head(1)]))
    with pytest.raises(ValueError, match="method"):
        percent_agreement(df, "majority")
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha(df, "cardinal")
    with pytest.raises(ValueError, match="numbers"):
        krippendorff_alpha(df.assign(value=df["value"].astype(str)), "interval")
    with pytest.raises(ValueError, match="not among the given categories"):
        cohen_kappa(df[df["coder"].isin(["coder 0", "coder 1"])], categories=[1, 2])
    with pytest.raises(ValueError, match="weights"):
        gwet_ac2(df, weights="cubic")
    with pytest.raises(TypeError):
        krippendorff_alpha(df.to_numpy())
    with pytest.raises(ValueError, match="coder column is empty in 1 row"):
        krippendorff_alpha(df.assign(coder=df["coder"].where(df.index != 3, None)))


def test_null_values_count_as_missing():
    df = long_from_matrix(KRIPPENDORFF_2011)
    extra = [(10, "coder 0", None), (11, "coder 1", np.nan), (11, "coder 2", pd.NA)]
    with_nulls = pd.DataFrame([*df.itertuples(index=False), *extra], columns=df.columns)
    assert krippendorff_alpha(with_nulls).value == pytest.approx(
        krippendorff_alpha(df).value, abs=TOL
    )


@pytest.mark.parametrize(
    ("value", "reading"),
    [
        (0.95, "reliable"),
        (0.800, "reliable"),
        (0.7999, "tentative conclusions only"),
        (0.667, "tentative conclusions only"),
        (0.6669, "unreliable"),
        (-0.2, "unreliable"),
        (math.nan, "undefined"),
    ],
)
def test_interpret_alpha(value, reading):
    assert interpret_alpha(value).startswith(reading)


def test_interpret_alpha_takes_a_result():
    result = krippendorff_alpha(long_from_matrix(KRIPPENDORFF_2011))
    assert interpret_alpha(result) == interpret_alpha(result.value)
    assert interpret_alpha(result).startswith("tentative")
