"""How many double-coded units a reliability test needs: Krippendorff's sample-size rule.

Krippendorff (Content Analysis, 2nd ed. 2004, §11.4.4; 3rd ed. 2013, §12.4) takes
Bloch and Kraemer's (1989, eq. 3.7) formula for the number of units two coders must
both code so that alpha can be shown to exceed a smallest acceptable value at a
chosen level of significance, given how often the *least frequent* value occurs:

    N = 2 z² · [ (1 + α_min)(3 − α_min) / (4 (1 − α_min) p_c (1 − p_c)) − α_min ]

where z is the one-tailed standard normal quantile of the significance level p
(1.645 at p = .05) and p_c the probability of the least frequent value. Rare values
need many units: a theme present in 5 % of recommendations needs 560 double-coded
recommendations for α ≥ .800 at p = .05, one present in a quarter of them 139.

Pure Python: no database, no pandas.
"""

from __future__ import annotations

import math
from statistics import NormalDist

# The smallest acceptable alphas Krippendorff names: .800 for conclusions to rely on,
# .667 for tentative ones.
ALPHA_RELIABLE = 0.800
ALPHA_TENTATIVE = 0.667
DEFAULT_P = 0.05


def z_value(p: float) -> float:
    """The one-tailed standard normal quantile for significance level ``p``."""
    if not 0 < p < 0.5:
        raise ValueError(f"A significance level is between 0 and 0.5, not {p}.")
    return NormalDist().inv_cdf(1 - p)


def required_units(alpha_min: float, p_c: float, p: float = DEFAULT_P) -> int:
    """Units two coders must both code for alpha ≥ ``alpha_min`` to be shown at level
    ``p`` when the least frequent value has probability ``p_c`` (Bloch & Kraemer 1989).

    ``p_c`` above one half is read as its complement: for a yes / no value the least
    frequent of the two is what counts.
    """
    if not 0 < alpha_min < 1:
        raise ValueError(f"The smallest acceptable alpha is between 0 and 1, not {alpha_min}.")
    if not 0 < p_c < 1:
        raise ValueError(
            f"The least frequent value's probability must be between 0 and 1, not {p_c}: "
            "a value nobody has used yet (or one everybody always uses) cannot be planned for."
        )
    z = z_value(p)
    spread = p_c * (1 - p_c)
    units = (
        2 * z**2 * ((1 + alpha_min) * (3 - alpha_min) / (4 * (1 - alpha_min) * spread) - alpha_min)
    )
    # A hair's breadth of rounding must not add a unit: 139.0000001 is 139.
    return max(1, math.ceil(units - 1e-9))


def least_frequent(shares: dict[object, float]) -> tuple[object, float] | None:
    """The value with the smallest share among those used at all, or None."""
    used = {value: share for value, share in shares.items() if share > 0}
    if not used:
        return None
    value = min(used, key=lambda v: (used[v], str(v)))
    return value, used[value]
