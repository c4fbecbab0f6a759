"""The theme suggester: TF-IDF + linear SVM, stored as plain arrays and JSON.

A model file is a numpy ``.npz`` holding only numbers and text (read back with
``allow_pickle=False``), so it survives library upgrades: the vocabulary, the idf, the
per-code weights (float16), the biases and a JSON header naming the format version,
the codebook and codes it was trained for, how many examples it rests on and the
library versions that made it.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from annotator.suggestions.linear import train_svm
from annotator.suggestions.vectors import Vocabulary

FORMAT = "upr-coder-theme-suggester"
FORMAT_VERSION = 1
# Decision scores above this (just under the SVM's own zero) count as a predicted code:
# recall matters more than precision when a person checks every suggestion.
THRESHOLD = -0.3


@dataclass(frozen=True)
class CodebookIdentity:
    """What a model was trained to predict: one field's codes of one codebook."""

    name: str
    version: int
    field: str
    codes: tuple[str, ...]

    @property
    def codes_hash(self) -> str:
        text = "\n".join((self.field, *self.codes))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def describe(self) -> str:
        return f"codebook '{self.name}' version {self.version} ({len(self.codes)} codes)"


class ModelMismatch(ValueError):
    """A stored model was trained for other codes than the project's codebook has."""


class ModelFileError(ValueError):
    """A model file that cannot be read (damaged, or from an unknown format)."""


@dataclass(frozen=True)
class Suggestion:
    code: str
    score: float


@dataclass
class SuggestionModel:
    vocabulary: Vocabulary
    weights: np.ndarray  # terms x codes
    bias: np.ndarray
    identity: CodebookIdentity
    examples: int
    source: str = ""
    threshold: float = THRESHOLD
    trained_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    @property
    def codes(self) -> tuple[str, ...]:
        return self.identity.codes

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        rows = self.vocabulary.transform(texts)
        return rows.dot(self.weights) + self.bias

    def suggest(
        self, text: str, n: int = 5, skip: frozenset[str] = frozenset()
    ) -> list[Suggestion]:
        """The ``n`` codes ranked first for ``text`` (``skip``: retired codes)."""
        scores = self.scores([text])[0]
        order = np.argsort(-scores, kind="stable")
        picked = [i for i in order if self.codes[i] not in skip][:n]
        return [Suggestion(self.codes[i], float(scores[i])) for i in picked]

    def check(self, identity: CodebookIdentity) -> None:
        """Refuse the model unless it predicts exactly this field's codes."""
        mine = self.identity
        if mine.field == identity.field and mine.codes_hash == identity.codes_hash:
            return
        raise ModelMismatch(
            f"The theme suggestions on hand were trained for {mine.describe()}, field "
            f"'{mine.field}'; this project's {identity.describe()}, field "
            f"'{identity.field}', has other codes. They are not used: suggestions are "
            "trained again from this project's coded recommendations."
        )

    def save(self, path: Path) -> None:
        header = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "codebook": {
                "name": self.identity.name,
                "version": self.identity.version,
                "field": self.identity.field,
                "codes_hash": self.identity.codes_hash,
            },
            "codes": list(self.codes),
            "examples": self.examples,
            "source": self.source,
            "threshold": self.threshold,
            "trained_at": self.trained_at,
            "libraries": _library_versions(),
        }
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            header=_text_array(json.dumps(header)),
            terms=_text_array("\n".join(self.vocabulary.terms)),
            idf=self.vocabulary.idf.astype(np.float32),
            weights=self.weights.astype(np.float16),
            bias=self.bias.astype(np.float32),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(buffer.getvalue())
        partial.replace(path)

    @classmethod
    def load(cls, path: Path) -> SuggestionModel:
        try:
            with np.load(path, allow_pickle=False) as arrays:
                header: dict[str, Any] = json.loads(bytes(arrays["header"]).decode("utf-8"))
                if header.get("format") != FORMAT:
                    raise ModelFileError(f"{path} is not a UPR Coder theme suggester.")
                if int(header.get("format_version", 0)) > FORMAT_VERSION:
                    raise ModelFileError(
                        f"{path} was written by a newer UPR Coder (suggester format "
                        f"{header['format_version']}); this one reads format {FORMAT_VERSION}."
                    )
                terms = bytes(arrays["terms"]).decode("utf-8").split("\n")
                vocabulary = Vocabulary(terms, arrays["idf"].astype(np.float32))
                weights = arrays["weights"].astype(np.float32)
                bias = arrays["bias"].astype(np.float32)
        except (OSError, KeyError, ValueError, json.JSONDecodeError) as error:
            if isinstance(error, ModelFileError):
                raise
            raise ModelFileError(f"The theme suggester {path} cannot be read: {error}") from error
        book = header["codebook"]
        codes = tuple(header["codes"])
        identity = CodebookIdentity(book["name"], int(book["version"]), book["field"], codes)
        if identity.codes_hash != book["codes_hash"] or weights.shape != (len(terms), len(codes)):
            raise ModelFileError(f"The theme suggester {path} is damaged (its parts disagree).")
        return cls(
            vocabulary,
            weights,
            bias,
            identity,
            int(header["examples"]),
            str(header.get("source", "")),
            float(header.get("threshold", THRESHOLD)),
            str(header.get("trained_at", "")),
        )


def train(
    texts: Sequence[str],
    labels: Sequence[Sequence[str]],
    identity: CodebookIdentity,
    *,
    source: str = "",
    epochs: int = 6,
    max_terms: int = 40000,
) -> SuggestionModel:
    """A model from recommendation texts and the codes each was given (unknown codes,
    e.g. of other fields or since removed, are left out)."""
    column = {code: i for i, code in enumerate(identity.codes)}
    matrix = np.zeros((len(texts), len(identity.codes)), dtype=np.float32)
    for row, codes in enumerate(labels):
        for code in codes:
            if code in column:
                matrix[row, column[code]] = 1.0
    min_df = 2 if len(texts) >= 200 else 1
    vocabulary = Vocabulary.fit(texts, max_terms=max_terms, min_df=min_df)
    rows = vocabulary.transform(texts)
    weights, bias = train_svm(rows, matrix, len(vocabulary.terms), epochs=epochs)
    return SuggestionModel(vocabulary, weights, bias, identity, len(texts), source)


def predicted(scores: np.ndarray, threshold: float = THRESHOLD) -> np.ndarray:
    """0/1 predictions: every code over the threshold, and always the best one."""
    chosen = (scores > threshold).astype(np.int8)
    if len(scores):
        chosen[np.arange(len(scores)), scores.argmax(axis=1)] = 1
    return chosen


def _text_array(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _library_versions() -> dict[str, str]:
    from annotator import __version__

    return {"numpy": np.__version__, "upr-coder": __version__}
