"""Theme suggestions: a TF-IDF + linear SVM model in plain numpy, stored version-safe.

No Qt and no database here: the services feed it texts and codes
(annotator/services/suggesting.py) and the coding form shows what it ranks first.
"""

from annotator.suggestions.model import (
    CodebookIdentity,
    ModelFileError,
    ModelMismatch,
    Suggestion,
    SuggestionModel,
    predicted,
    train,
)

__all__ = [
    "CodebookIdentity",
    "ModelFileError",
    "ModelMismatch",
    "Suggestion",
    "SuggestionModel",
    "predicted",
    "train",
]
