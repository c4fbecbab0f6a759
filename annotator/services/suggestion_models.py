"""Which theme suggester a project uses: the shipped one, or one trained on its own coding.

For the built-in codebook the model shipped with the app (trained on UPR Info's labels)
serves at once. For any other codebook a model is trained from the project's own coded
recommendations once there are enough of them, and cached in the user data folder (not
in the project: it is derived, per laptop, and never merged), keyed by the project's
identity and the codes it predicts, so a changed codebook never gets an old model.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from annotator.codebook.model import Codebook, Field
from annotator.paths import user_data_dir
from annotator.services.codebook.store import active_codebook
from annotator.store.models import (
    Annotation,
    Code,
    CodingStatus,
    Consensus,
    Recommendation,
)
from annotator.store.project import Project
from annotator.store.queries import in_chunks
from annotator.suggestions.model import (
    CodebookIdentity,
    ModelFileError,
    ModelMismatch,
    SuggestionModel,
    train,
)
from annotator.suggestions.uprinfo_labels import THEMES, builtin_model

# Fewer coded recommendations than this give a model whose top five are mostly the
# codebook's commonest codes: below it, no suggestions beat misleading ones. A guess,
# not yet measured on project data (the learning-curve benchmark is still to come).
MIN_EXAMPLES = 30
RETRAIN_AFTER = 20  # newly coded recommendations before a background retraining


@dataclass(frozen=True)
class LoadedModel:
    model: SuggestionModel
    field_key: str
    source: str  # plain English: what the suggestions rest on
    examples: int
    builtin: bool
    labels: Mapping[str, str] = field(default_factory=dict, compare=False)
    retired: frozenset[str] = frozenset()


def suggestion_field(codebook: Codebook) -> Field | None:
    """The field suggestions are for: 'themes' if it is multi-choice, else the first
    multi-choice field (themes are where coding time goes)."""
    multi = [f for f in codebook.fields if f.kind == "multi"]
    for candidate in multi:
        if candidate.key == THEMES:
            return candidate
    return multi[0] if multi else None


def codebook_identity(codebook: Codebook, chosen: Field) -> CodebookIdentity:
    return CodebookIdentity(
        codebook.name, codebook.version, chosen.key, tuple(c.key for c in chosen.codes)
    )


@lru_cache(maxsize=1)
def _shipped() -> SuggestionModel | None:
    try:
        return builtin_model()
    except (FileNotFoundError, ModelFileError):
        return None


def cache_path(project: Project, identity: CodebookIdentity) -> Path:
    """Where this project's model for these codes is kept on this laptop."""
    project_key = (
        project.info("project_uuid")
        or hashlib.sha256(project.location.encode("utf-8")).hexdigest()[:16]
    )
    return user_data_dir() / "suggestions" / f"{project_key}-{identity.codes_hash}.npz"


def _loaded(model: SuggestionModel, chosen: Field, *, builtin: bool) -> LoadedModel:
    if builtin:
        source = f"UPR Info labels, {model.examples:,} recommendations"
    else:
        source = f"this project's coding, {model.examples:,} recommendations"
    return LoadedModel(
        model,
        chosen.key,
        source,
        model.examples,
        builtin,
        {c.key: c.label for c in chosen.codes},
        frozenset(c.key for c in chosen.codes if c.retired),
    )


def _context(project: Project) -> tuple[Codebook, Field, CodebookIdentity] | None:
    with project.session() as session:
        codebook = active_codebook(session)
    if codebook is None:
        return None
    chosen = suggestion_field(codebook)
    if chosen is None or not chosen.codes:
        return None
    return codebook, chosen, codebook_identity(codebook, chosen)


def current_model(project: Project) -> LoadedModel | None:
    """The suggester for the project's codebook as it is now, or None (no multi-choice
    field, or too little coding yet for a project-trained model)."""
    context = _context(project)
    return None if context is None else _current(project, context[1], context[2])


def _current(project: Project, chosen: Field, identity: CodebookIdentity) -> LoadedModel | None:
    shipped = _shipped()
    if shipped is not None:
        try:
            shipped.check(identity)
            return _loaded(shipped, chosen, builtin=True)
        except ModelMismatch:
            pass
    return _cached(project, chosen, identity)


def _cached(project: Project, chosen: Field, identity: CodebookIdentity) -> LoadedModel | None:
    path = cache_path(project, identity)
    if not path.is_file():
        return None
    try:
        model = SuggestionModel.load(path)
        model.check(identity)
    except (ModelFileError, ModelMismatch):
        return None  # damaged or not for these codes: retrain_if_stale replaces it
    return _loaded(model, chosen, builtin=False)


def training_examples(project: Project, chosen: Field) -> tuple[list[str], list[list[str]]]:
    """Each coded recommendation's text and codes of ``chosen``: the consensus where
    there is one, else the codes at least half of its coders (those who marked it done)
    ticked: one coder's codes as they are, two coders' union, three coders' majority.
    Half rather than a strict majority, because a person checks every suggestion:
    a code one of two coders saw is worth suggesting."""
    with project.session() as session:
        field_id = chosen.stored_id
        consensus: dict[int, set[str]] = defaultdict(set)
        rows = session.execute(
            select(Consensus.recommendation_id, Code.key)
            .join(Code, Code.id == Consensus.code_id)
            .where(Consensus.field_id == field_id)
        )
        for rec_id, key in rows:
            consensus[rec_id].add(key)
        coded: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
        ticked = session.execute(
            select(Annotation.recommendation_id, Annotation.coder_id, Code.key)
            .join(Code, Code.id == Annotation.code_id)
            .join(
                CodingStatus,
                (CodingStatus.recommendation_id == Annotation.recommendation_id)
                & (CodingStatus.coder_id == Annotation.coder_id),
            )
            .where(Annotation.field_id == field_id)
            .where(CodingStatus.status == "done")
        )
        for rec_id, coder_id, key in ticked:
            coded[rec_id][coder_id].add(key)
        labels: dict[int, list[str]] = {r: sorted(k) for r, k in consensus.items()}
        for rec_id, by_coder in coded.items():
            if rec_id in labels:
                continue
            votes = Counter(key for keys in by_coder.values() for key in keys)
            labels[rec_id] = sorted(k for k, n in votes.items() if 2 * n >= len(by_coder))
        ids = sorted(labels)
        texts: dict[int, str] = {}
        for chunk in in_chunks(ids):
            found = select(Recommendation.id, Recommendation.text)
            for rec_id, text in session.execute(found.where(Recommendation.id.in_(chunk))):
                texts[rec_id] = text
    ordered = [i for i in ids if labels[i] and texts.get(i)]
    return [texts[i] for i in ordered], [labels[i] for i in ordered]


def retrain_if_stale(project: Project, min_new: int = RETRAIN_AFTER) -> LoadedModel | None:
    """Train (and cache) the project's model when there is none yet for its codebook and
    enough coding, or when ``min_new`` recommendations were coded since; return the
    model to use. Qt-free and slow (seconds): the GUI runs it on its worker thread."""
    context = _context(project)
    if context is None:
        return None
    _codebook, chosen, identity = context
    current = _current(project, chosen, identity)
    if current is not None and current.builtin:
        return current
    texts, labels = training_examples(project, chosen)
    if len(texts) < MIN_EXAMPLES:
        return current
    if current is not None and len(texts) - current.examples < min_new:
        return current
    model = train(texts, labels, identity, source="project")
    model.save(cache_path(project, identity))
    return _loaded(model, chosen, builtin=False)


def suggest(loaded: LoadedModel, text: str, k: int = 5) -> list[tuple[str, str, float]]:
    """The ``k`` codes ranked first for ``text``: (code key, label, score); retired
    codes are never suggested."""
    found = loaded.model.suggest(text, k, skip=loaded.retired)
    return [(s.code, loaded.labels.get(s.code, s.code), s.score) for s in found]


def status_line(project: Project) -> str:
    """One sentence for the CLI: what the suggestions rest on, or why there are none."""
    context = _context(project)
    if context is None:
        return "Theme suggestions: none (the codebook has no multi-choice field)."
    loaded = _current(project, context[1], context[2])
    if loaded is not None:
        return f"Theme suggestions for '{loaded.field_key}': from {loaded.source}."
    texts, _labels = training_examples(project, context[1])
    return (
        f"Theme suggestions: none yet ({len(texts)} coded recommendations; "
        f"they start at {MIN_EXAMPLES})."
    )
