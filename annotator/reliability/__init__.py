"""Inter-coder reliability statistics over a long table of ratings.

The input is a pandas DataFrame in long form, one row a rating, with the columns
``unit`` (what was coded: a recommendation), ``coder`` and ``value``. A missing rating
is an absent row; a row whose ``value`` is null (None, NaN, NA) counts as absent too. For
a multi-choice field a ``value`` is a frozenset of codes (a set or a list is turned into
a frozenset); an empty frozenset is a real answer ("no code applies"), not a missing one.
A coder may rate a unit at most once: a second rating of the same unit by the same coder
is an error (ValueError naming the unit and coder), never silently merged.

Every coefficient comes back as a `Coefficient`. Its ``value`` is NaN where the
coefficient is undefined (no pairs to compare, no variation, a single category), and
``reason`` then says why in plain English; the functions do not raise on degenerate
data. They raise ValueError only for a wrong request: missing columns, an unknown
option, values outside the given ``categories``, more than two coders for a two-coder
coefficient, non-numeric values at the interval or ratio level.

Counts in every result:

- ``n_units``: units with at least one rating;
- ``n_pairable``: units that enter the comparison (rated by two or more coders; for the
  two-coder coefficients, rated by both coders);
- ``n_coders``: coders with at least one rating.

The module is pure numpy and pandas (no database, no Qt) so that scripts, notebooks,
the command line and the GUI's worker threads can all use it. The reasoning behind
each variant is written up in ``docs/reliability.md``.

Modules, in the order a coefficient is computed: ``ratings`` (the validated table and
the `Coefficient` result), ``pairs`` (sums over pairs of values within units),
``agreement`` (percent agreement), ``two_coders`` (Cohen's kappa, Scott's pi),
``many_coders`` (Fleiss' kappa, Gwet's AC1 and AC2), ``alpha`` (Krippendorff's alpha, per
code, and its reading), ``bootstrap`` (confidence intervals) and ``pairwise`` (a coder ×
coder table).
"""

from annotator.reliability.agreement import percent_agreement
from annotator.reliability.alpha import (
    MIN_UNITS_FOR_ALPHA,
    interpret_alpha,
    krippendorff_alpha,
    per_code_alpha,
    too_few_reading,
    too_few_units,
)
from annotator.reliability.bootstrap import bootstrap_ci
from annotator.reliability.many_coders import fleiss_kappa, gwet_ac1, gwet_ac2
from annotator.reliability.pairwise import pairwise_matrix
from annotator.reliability.ratings import GWET_WEIGHTS, Coefficient
from annotator.reliability.two_coders import cohen_kappa, scott_pi

__all__ = [
    "GWET_WEIGHTS",
    "MIN_UNITS_FOR_ALPHA",
    "Coefficient",
    "bootstrap_ci",
    "cohen_kappa",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_ac2",
    "interpret_alpha",
    "krippendorff_alpha",
    "pairwise_matrix",
    "per_code_alpha",
    "percent_agreement",
    "scott_pi",
    "too_few_reading",
    "too_few_units",
]
