"""A coder × coder table of any coefficient."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from annotator.reliability.ratings import Coefficient, prepare
from annotator.reliability.two_coders import cohen_kappa


def pairwise_matrix(
    df: pd.DataFrame,
    statistic: Callable[..., Coefficient] = cohen_kappa,
    **kwargs: Any,
) -> pd.DataFrame:
    """A coder × coder table of the statistic computed on each pair of coders.

    Each cell uses only the two coders' ratings (so, for kappa, the units both rated).
    The table is symmetric; the diagonal is NaN (a coder is not compared with
    themselves), and so is a pair that shares no unit.
    """
    coders = prepare(df).coders  # validates the table once, not once per pair
    df = df.loc[df["value"].notna()]
    index = pd.Index(coders, name="coder")
    table = pd.DataFrame(np.nan, index=index, columns=index.rename("other coder"))
    by_coder = {c: part for c, part in df.groupby("coder", sort=False)}
    for i, a in enumerate(coders):
        for b in coders[i + 1 :]:
            pair = pd.concat([by_coder[a], by_coder[b]], ignore_index=True)
            value = statistic(pair, **kwargs).value
            table.iloc[i, coders.index(b)] = value
            table.iloc[coders.index(b), i] = value
    return table
