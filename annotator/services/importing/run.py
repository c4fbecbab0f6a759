"""Reading the files, then comparing and writing them in one transaction."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from annotator.importers import detect
from annotator.importers.files import SourceFileError
from annotator.importers.records import ImportBatch, ImportProblem
from annotator.responses import read_wording
from annotator.services.importing.matching import plan_recommendations
from annotator.services.importing.plan import (
    ImportOptions,
    ImportPlan,
    ImportRefused,
    Progress,
    RecommendationChange,
)
from annotator.services.importing.report import summary
from annotator.services.importing.responses import plan_responses
from annotator.services.importing.reviews import (
    fill_review_metadata,
    project_reviews,
    resolve_review,
    review_key,
    with_review_named,
)
from annotator.services.importing.writing import apply_recommendations, apply_responses
from annotator.store.models import AuditEvent
from annotator.store.project import Project


def read_files(
    paths: Sequence[Path], options: ImportOptions, progress: Progress | None = None
) -> list[ImportBatch]:
    """Read every file (nothing is written). A file that cannot be read at all becomes a
    batch holding one error, so the preview lists every file's trouble at once."""
    batches = []
    for path in paths:

        def step(done: int, total: int, name: str = path.name) -> None:
            if progress:
                progress(f"Reading {name}", done, total)

        try:
            fmt = options.format or detect.detect_format(path)
            batch = detect.read(
                fmt,
                path,
                review=options.review,
                mapping=options.mapping,
                sheet=options.sheet,
                progress=step,
            )
        except SourceFileError as error:
            batch = ImportBatch(file=path.name, format=options.format or "")
            message = str(error)
            if options.review is None and options.review_symbol:
                message += (
                    f" No review in the project has the symbol {options.review_symbol}: name "
                    f"its state too, for example --review Slovenia:{options.review_symbol}."
                )
            batch.problem(None, None, message)
            batch.needs_mapping = isinstance(error, detect.MappingNeeded)
        batches.append(batch)
    return batches


class _Rollback(Exception):
    pass


def run_import(
    project: Project,
    batches: Sequence[ImportBatch],
    options: ImportOptions | None = None,
    *,
    commit: bool,
    progress: Progress | None = None,
) -> ImportPlan:
    """Compare and write every batch in one transaction; commit only if asked and clean.

    With ``commit=False`` this is the preview: the same work, rolled back.
    Raises ImportRefused (nothing written) when ``commit`` is asked of a plan with errors,
    and lets ImportCancelled from ``progress`` through (nothing written).
    """
    options = options or ImportOptions()
    plan = ImportPlan(batches=list(batches))
    try:
        with project.write() as session:
            for batch in batches:
                plan.problems.extend(batch.problems)
                with_review_named(batch, options)
                _check_announced_totals(plan, batch)
                known = project_reviews(session)
                if batch.recommendations:
                    changes = plan_recommendations(session, batch, known, progress)
                    _note_reviews(plan, changes, known)
                    plan.recommendations.extend(changes)
                    apply_recommendations(session, batch, changes, progress)
                    fill_review_metadata(session, plan, batch)
                if batch.responses:
                    responses = plan_responses(session, plan, batch, options)
                    plan.responses.extend(responses)
                    apply_responses(session, responses)
            if progress:
                progress("Saving", 1, 1)
            if not commit or plan.errors:
                raise _Rollback
            session.add(
                AuditEvent(
                    action="import",
                    entity="source",
                    after=json.dumps(summary(plan), ensure_ascii=False),
                )
            )
    except _Rollback:
        if commit:
            raise ImportRefused(plan) from None
    return plan


def _note_reviews(
    plan: ImportPlan, changes: list[RecommendationChange], known: dict[tuple[str, int], int]
) -> None:
    for review in dict.fromkeys(c.record.review for c in changes):
        target = plan.existing_reviews if review_key(review) in known else plan.new_reviews
        if review not in target:
            target.append(review)


def _check_announced_totals(plan: ImportPlan, batch: ImportBatch) -> None:
    """The totals the state announces ("217 are supported and 37 noted") against what
    was read; a mismatch is a warning naming both figures."""
    if not batch.announced_totals or batch.totals_checked:
        return
    read: Counter[str] = Counter()
    wordings = [r.response for r in batch.responses] + [r.response for r in batch.recommendations]
    for wording in wordings:
        reading = read_wording(wording)
        if reading is not None:
            read[reading.category] += 1
    announced_categories = {
        (read_wording(w) or read_wording("other")).category  # type: ignore[union-attr]
        for w in batch.announced_totals
    }
    # "accepted" announced as one figure covers the wordings that add "already implemented".
    if "accepted-implemented" not in announced_categories:
        read["accepted"] += read.pop("accepted-implemented", 0)
    for wording, total in batch.announced_totals.items():
        reading = read_wording(wording)
        found = read.get(reading.category, 0) if reading else 0
        if found != total:
            plan.problems.append(
                ImportProblem(
                    batch.file,
                    None,
                    None,
                    f"the document announces {total} recommendations {wording}, but "
                    f"{found} were read as {reading.category if reading else wording}",
                    "warning",
                )
            )


def import_files(
    project: Project,
    paths: Sequence[Path],
    options: ImportOptions | None = None,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportPlan:
    """Read and import files (or, with ``dry_run``, only preview): the whole import."""
    options = resolve_review(project, options or ImportOptions())
    batches = read_files(paths, options, progress)
    return run_import(project, batches, options, commit=not dry_run, progress=progress)
