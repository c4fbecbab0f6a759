"""UPR Info's labelled recommendations as training examples for the built-in codebook.

The built-in codebook's theme labels are spelled as UPR Info spells its 54 issues, so an
issue maps to the theme code of the same label (as the UPR Info importer's tags do).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from annotator.codebook.model import Codebook, Field
from annotator.suggestions.model import CodebookIdentity, SuggestionModel

THEMES = "themes"


@dataclass
class Examples:
    texts: list[str]
    labels: list[list[str]]
    sessions: list[int]


def identity_for(codebook: Codebook, field_key: str = THEMES) -> CodebookIdentity:
    field = _field(codebook, field_key)
    return CodebookIdentity(
        codebook.name, codebook.version, field.key, tuple(c.key for c in field.codes)
    )


def _field(codebook: Codebook, key: str) -> Field:
    for field in codebook.fields:
        if field.key == key:
            return field
    raise KeyError(f"The codebook '{codebook.name}' has no field '{key}'.")


def read_examples(path: Path, codebook: Codebook, field_key: str = THEMES) -> Examples:
    """Every recommendation of a UPR Info export (CSV, may be gzipped) with its issues
    as codes of ``field_key``; issues the codebook lacks are dropped, and so are
    recommendations left with none."""
    by_label = {c.label.casefold(): c.key for c in _field(codebook, field_key).codes}
    table = pd.read_csv(path, usecols=["Text", "Issue", "Session"], dtype=str)
    examples = Examples([], [], [])
    for text, issues, session in table.itertuples(index=False):
        if not isinstance(text, str) or not isinstance(issues, str):
            continue
        codes = [by_label.get(i.strip().casefold(), "") for i in issues.split(",")]
        codes = [c for c in dict.fromkeys(codes) if c]
        if codes:
            examples.texts.append(text)
            examples.labels.append(codes)
            examples.sessions.append(int(session))
    return examples


BUILTIN_MODEL = "upr-recommendations-themes.npz"


def builtin_model() -> SuggestionModel:
    """The model shipped for the built-in codebook's themes (scripts/train_builtin_suggester.py)."""
    from annotator.paths import resource_path

    return SuggestionModel.load(resource_path("suggestions", BUILTIN_MODEL))
