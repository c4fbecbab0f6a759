"""Synthetic projects at any size, for tests and benchmarks.

Texts and states are real (the bundled China 2018 matrix and the UN state list, or any
list of texts given); reviews, numbers, responses and coders' codes are drawn from a
seeded generator, with a controllable rate at which coders agree. Everything is
written through the bulk paths the importers use, in one transaction.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from annotator import states
from annotator.importers import detect
from annotator.importers.records import ImportBatch, RecommendationRecord, ReviewRecord
from annotator.paths import resource_path
from annotator.services.bulk import write_annotations, write_batch, write_statuses
from annotator.services.codebook import active_codebook_row
from annotator.services.coders import get_or_create_coder
from annotator.services.projects import SAMPLE_FILE
from annotator.store.models import CodebookField
from annotator.store.project import Project
from annotator.upr_calendar import CYCLE_FIRST_SESSION, LAST_KNOWN, session_year

# Published wordings, weighted roughly as in real reviews (most supported).
RESPONSES = (
    ("Supported", 50),
    ("Noted", 20),
    ("accepted and already implemented", 12),
    ("accepted and being implemented", 10),
    ("partially accepted", 3),
    ("rejected", 5),
)
CODED_KINDS = ("multi", "single", "ordinal")


@dataclass(frozen=True)
class SyntheticSpec:
    recommendations: int = 1_000
    reviews: int | None = None  # default: one per 250 recommendations (at most 772)
    coders: int = 3
    agreement: float = 0.8  # chance that a coder copies the reference value of a field
    coded_share: float = 1.0  # share of recommendations each coder has coded
    seed: int = 0


@dataclass
class SyntheticReport:
    reviews: int
    recommendations: int
    coders: int
    annotations: int


def real_texts() -> list[str]:
    """The bundled sample's recommendation texts, as its importer reads them."""
    path = resource_path(*SAMPLE_FILE)
    batch = detect.read(detect.detect_format(path), path)
    return [r.text for r in batch.recommendations]


def generate(
    project: Project, spec: SyntheticSpec, texts: Sequence[str] | None = None
) -> SyntheticReport:
    if not 0.0 <= spec.agreement <= 1.0 or not 0.0 <= spec.coded_share <= 1.0:
        raise ValueError("agreement and coded_share are shares between 0 and 1")
    rng = random.Random(spec.seed)
    pool = list(texts) if texts else real_texts()
    members = [s for s in states.all_states() if s.status == "member"]
    batch = ImportBatch()
    batch.recommendations = _recommendations(rng, spec, pool, members)

    with project.write() as session:
        written = write_batch(session, batch)
        book = active_codebook_row(session)
        if book is None:
            raise ValueError("the project has no codebook")
        fields = [f for f in book.fields if f.kind in CODED_KINDS and f.codes]
        coders = [get_or_create_coder(session, f"Coder {n + 1}").id for n in range(spec.coders)]
        annotations, statuses = _codes(
            rng, spec, written.recommendation_ids, fields, coders, book.version
        )
        write_annotations(session, annotations)
        write_statuses(session, statuses)
    return SyntheticReport(
        len(batch.reviews), len(written.recommendation_ids), spec.coders, len(annotations)
    )


def _recommendations(
    rng: random.Random, spec: SyntheticSpec, pool: list[str], members: list[states.StateInfo]
) -> list[RecommendationRecord]:
    pairs = [(s, c) for s in members for c in range(1, 5)]
    review_count = spec.reviews or max(1, min(len(pairs), spec.recommendations // 250))
    if review_count > len(pairs):
        raise ValueError(f"at most {len(pairs)} reviews (one per state and cycle)")
    reviews = []
    for state, cycle in rng.sample(pairs, review_count):
        # Sessions the UPR calendar holds, so that every review has its year.
        session = min(CYCLE_FIRST_SESSION[cycle] + rng.randrange(12), LAST_KNOWN)
        reviews.append(ReviewRecord(state.iso3, cycle, session, session_year(session)))
    responses, weights = zip(*RESPONSES, strict=True)
    records = []
    per_review = [spec.recommendations // review_count] * review_count
    for extra in range(spec.recommendations - sum(per_review)):
        per_review[extra] += 1
    for review, count in zip(reviews, per_review, strict=True):
        paragraph = rng.randrange(90, 190)
        for number in range(1, count + 1):
            recommending = rng.sample(members, 1 if rng.random() < 0.85 else rng.randint(2, 4))
            recommending = [s for s in recommending if s.iso3 != review.state_iso3] or members[:1]
            records.append(
                RecommendationRecord(
                    review=review,
                    number=f"{paragraph}.{number}",
                    text=rng.choice(pool),
                    recommending_text="; ".join(s.name for s in recommending),
                    recommending_iso3=[s.iso3 for s in recommending],
                    response=rng.choices(responses, weights)[0],
                )
            )
    return records


def _codes(
    rng: random.Random,
    spec: SyntheticSpec,
    recommendation_ids: list[int],
    fields: list[CodebookField],
    coders: list[int],
    codebook_version: int,
) -> tuple[list[tuple], list[tuple]]:
    """Annotation and status tuples, drawn with numpy: millions of rows in seconds."""
    generator = np.random.default_rng(rng.getrandbits(64))
    recs = np.asarray(recommendation_ids, dtype=np.int64)
    count = len(recs)
    parts: list[np.ndarray] = []  # rows of (recommendation, coder, field, code)
    statuses: list[tuple] = []
    references = {f.id: _draw_sets(generator, f, count) for f in fields}
    for coder in coders:
        coded = generator.random(count) < spec.coded_share
        statuses.extend((int(r), coder, "done") for r in recs[coded])
        for f in fields:
            ref_codes, ref_sizes = references[f.id]
            own_codes, own_sizes = _draw_sets(generator, f, count)
            agree = (generator.random(count) < spec.agreement)[:, None]
            codes = np.where(agree, ref_codes, own_codes)
            sizes = np.where(agree[:, 0], ref_sizes, own_sizes)
            for slot in range(codes.shape[1]):
                chosen = coded & (sizes > slot)
                n = int(chosen.sum())
                parts.append(
                    np.column_stack(
                        (recs[chosen], np.full(n, coder), np.full(n, f.id), codes[chosen, slot])
                    )
                )
    table = np.concatenate(parts) if parts else np.empty((0, 4), dtype=np.int64)
    # Written in (recommendation, coder, field) order, as coding produces them.
    table = table[np.lexsort((table[:, 3], table[:, 2], table[:, 1], table[:, 0]))]
    annotations = [(r, c, f, k, None, codebook_version) for r, c, f, k in table.tolist()]
    return annotations, statuses


def _draw_sets(
    generator: np.random.Generator, field: CodebookField, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """For each recommendation: up to 3 distinct codes of ``field`` and how many apply."""
    choices = np.asarray(
        [c.id for c in field.codes if not c.retired and (field.kind != "multi" or c.parent_id)]
    )
    if field.kind != "multi":
        return generator.choice(choices, size=(count, 1)), np.ones(count, dtype=np.int64)
    width = min(3, len(choices))
    # Three distinct codes per row: the first columns of a random permutation.
    picks = np.argsort(generator.random((count, len(choices))), axis=1)[:, :width]
    sizes = generator.choice(np.array([1, 1, 2, 2, 3]).clip(max=width), size=count)
    return choices[picks], sizes
