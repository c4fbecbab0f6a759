"""Trains the theme suggester shipped for the built-in codebook on all UPR Info labels.

    PYTHONPATH=. python scripts/train_builtin_suggester.py

Writes resources/suggestions/upr-recommendations-themes.npz (sessions 1-20).
"""

from __future__ import annotations

from pathlib import Path

from annotator.codebook.yaml_io import builtin_codebook
from annotator.suggestions import train
from annotator.suggestions.uprinfo_labels import identity_for, read_examples

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "uprinfo_export_sessions01-20.csv.gz"
OUT = ROOT / "resources" / "suggestions" / "upr-recommendations-themes.npz"

if __name__ == "__main__":
    codebook = builtin_codebook()
    examples = read_examples(DATA, codebook)
    model = train(
        examples.texts, examples.labels, identity_for(codebook), source="UPR Info, sessions 1-20"
    )
    model.save(OUT)
    print(f"{OUT}: {model.examples} examples, {OUT.stat().st_size / 1e6:.1f} MB")
