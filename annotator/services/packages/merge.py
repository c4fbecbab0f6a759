"""Merging packages back into the project: one transaction, one merge at a time."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from annotator import __version__
from annotator.services import permissions
from annotator.services.coders import find_coder
from annotator.services.packages.codebook_map import map_codebook
from annotator.services.packages.contents import MARKER_KEY, PackageContents
from annotator.services.packages.done_check import hold_back_incomplete_done
from annotator.services.packages.errors import PackageError, PackageRefused, refuse
from annotator.services.packages.opening import read_package
from annotator.services.packages.plan import MergePlan, PackagePlan, label_changes
from annotator.services.packages.shared import ProgressFn, counted, no_progress
from annotator.services.packages.statuses import copy_events, merge_statuses
from annotator.services.packages.values import merge_values
from annotator.store.backups import make_backup
from annotator.store.models import Coder, MergeLog, ProjectInfo, Recommendation
from annotator.store.project import Project
from annotator.store.queries import in_chunks


def merge_preview(
    master: Project,
    package_paths: Sequence[str | Path],
    *,
    add_coders: bool = False,
    by_coder_id: int | None = None,
    progress: ProgressFn | None = None,
) -> MergePlan:
    """What ``merge`` would do, computed by doing it and rolling it back (so the preview
    cannot differ from the merge). Refusals are raised exactly as ``merge`` raises them;
    ``by_coder_id`` is who asks (a coordinator: the preview shows every coder's work)."""
    return _run(
        master,
        package_paths,
        apply=False,
        by_coder_id=by_coder_id,
        add_coders=add_coders,
        preview=None,
        progress=progress,
    )


def merge(
    master: Project,
    package_paths: Sequence[str | Path],
    *,
    by_coder_id: int | None = None,
    add_coders: bool = False,
    preview: MergePlan | None = None,
    progress: ProgressFn | None = None,
) -> MergePlan:
    """Merge the packages into ``master`` in one transaction; any refusal writes nothing.

    ``by_coder_id`` is who merges (recorded in the log and the audit trail);
    ``add_coders`` adds a package's coder whom the project does not have yet (else the
    package is refused); with ``preview``, a package whose file changed since that
    preview is refused.
    """
    return _run(
        master,
        package_paths,
        apply=True,
        by_coder_id=by_coder_id,
        add_coders=add_coders,
        preview=preview,
        progress=progress,
    )


def _run(
    master: Project,
    package_paths: Sequence[str | Path],
    *,
    apply: bool,
    by_coder_id: int | None,
    add_coders: bool,
    preview: MergePlan | None,
    progress: ProgressFn | None,
) -> MergePlan:
    report = progress or no_progress
    with master.session() as session:  # who asks is settled before any file is read
        if session.get(ProjectInfo, MARKER_KEY) is not None:
            raise PackageError(
                f"{master.display_name} is itself a coder's package; merge packages into "
                "the coordinator's project."
            )
        permissions.require(session, by_coder_id, permissions.MERGE)
    paths = [Path(p).expanduser() for p in package_paths]
    if not paths:
        raise PackageError("Choose at least one package to merge.")
    steps = 2 * len(paths) + 1
    contents: list[PackageContents] = []
    for done, path in enumerate(paths):
        report(f"Checking {path.name}…", done, steps)
        contents.append(read_package(path))
    if preview is not None:
        seen = {p.path: p.sha256 for p in preview.packages}
        for package in contents:
            if seen.get(package.path, package.sha256) != package.sha256:
                raise refuse(
                    package.path,
                    "the file changed after the preview was made; preview the merge again",
                )
    now = datetime.now(UTC)
    plans: list[PackagePlan] = []
    backup: Path | None = None
    with master.write() as session:
        _one_merge_at_a_time(session)
        if session.get(ProjectInfo, MARKER_KEY) is not None:
            raise PackageError(
                f"{master.display_name} is itself a coder's package; merge packages into "
                "the coordinator's project."
            )
        permissions.require(session, by_coder_id, permissions.MERGE)
        for done, package in enumerate(contents, start=len(paths)):
            report(f"Merging {package.name}…", done, steps)
            plans.append(_merge_one(session, package, now, by_coder_id, add_coders))
        plan = MergePlan(plans, applied=False)
        if not apply:
            session.rollback()
            return plan
        report("Saving…", steps - 1, steps)
        if plan.writes_anything and master.path is not None:
            # The committed state, read beside this open transaction: the project as it
            # was before the merge, in case the coordinator wants it back.
            backup = make_backup(master.path, "before-merge")
    report("Done", steps, steps)
    return MergePlan(plans, applied=True, backup=backup)


# The key of the PostgreSQL advisory lock merges take: any 64-bit number the app owns.
MERGE_LOCK_KEY = 0x5550_5243_4D52_4745  # "UPRCMRGE"


def _one_merge_at_a_time(session: Session) -> None:
    """Make a second merge wait until the first has committed, so it then finds the
    package in the merge log and merges nothing twice. SQLite's BEGIN IMMEDIATE already
    does this; PostgreSQL's READ COMMITTED would let both read an empty log, so merges
    take a transaction-scoped advisory lock (released at commit or rollback)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MERGE_LOCK_KEY})


def _merge_one(
    session: Session,
    package: PackageContents,
    now: datetime,
    by_coder_id: int | None,
    add_coders: bool,
) -> PackagePlan:
    marker = package.marker
    plan = PackagePlan(
        path=package.path,
        sha256=package.sha256,
        coder=marker.coder_name,
        coder_uuid=marker.coder_uuid,
        package_uuid=marker.package_uuid,
        made_at=marker.made_at,
        recommendations=len(package.recommendations),
    )
    project_uuid = session.get(ProjectInfo, "project_uuid")
    if project_uuid is None or project_uuid.value != package.project_uuid:
        raise refuse(
            package.path,
            "it comes from another project; a package can only be merged into the project "
            "it was made from",
        )
    merged_at = session.scalars(
        select(MergeLog.merged_at)
        .where(MergeLog.package_sha256 == package.sha256)
        .order_by(MergeLog.id)
        .limit(1)
    ).first()
    if merged_at is not None:
        plan.already_merged_at = merged_at
        return plan
    book = map_codebook(session, package, plan)
    coder = _master_coder(session, package, plan, add_coders)
    plan.coder = coder.name
    recs = _master_recommendations(session, package.recommendations)
    missing = len(package.recommendations) - len(recs)
    if missing:
        plan.warnings.append(
            f"{counted(missing, 'recommendation')} of the package "
            f"{'is' if missing == 1 else 'are'} no longer in the project; the coder's "
            "codes on them are not merged."
        )
    owners = {a.coder_uuid for a in package.annotations} | {s.coder_uuid for s in package.statuses}
    strangers = sorted(
        {package.coders[owner].name for owner in owners if owner != marker.coder_uuid}
    )
    if strangers:
        raise refuse(
            package.path,
            f"it is the package of {marker.coder_name}, but it holds work recorded under "
            f"{', '.join(strangers)}. A package brings back only its own coder's work: "
            f"{', '.join(strangers)} must code in their own package, and the work "
            f"{marker.coder_name} does in this one must be recorded under "
            f"{marker.coder_name} (UPR Coder now opens a package as its coder)",
        )
    merge_values(session, package, plan, coder, recs, book, now, by_coder_id)
    merge_statuses(session, package, plan, coder, recs, now, by_coder_id)
    copy_events(session, package, plan, coder, recs, book)
    hold_back_incomplete_done(
        session,
        package.sha256,
        plan,
        coder,
        (recs[s.recommendation_uuid] for s in package.statuses if s.recommendation_uuid in recs),
        now,
    )
    label_changes(session, plan)
    session.add(
        MergeLog(
            merged_at=now,
            merged_by_id=by_coder_id,
            coder_id=coder.id,
            coder_uuid=coder.uuid,
            coder_name=coder.name,
            package_name=package.name[:255],
            package_sha256=package.sha256,
            package_uuid=marker.package_uuid,
            package_made_at=marker.made_at,
            counts=json.dumps(
                {**plan.counts, "coder_added": plan.coder_added, "app_version": __version__}
            ),
        )
    )
    session.flush()
    return plan


def _master_coder(
    session: Session, package: PackageContents, plan: PackagePlan, add_coders: bool
) -> Coder:
    marker = package.marker
    coder = session.scalars(select(Coder).where(Coder.uuid == marker.coder_uuid)).first()
    if coder is not None:
        return coder
    info = package.coders[marker.coder_uuid]
    if not add_coders:
        raise PackageRefused(
            f"{package.path} is the package of {info.name}, a coder this project does not "
            "have. Add the coder first: merge again with --add-coders (in the app: tick "
            "'Add coders the project does not have yet'). Nothing was merged; the project "
            "is unchanged."
        )
    if find_coder(session, info.name) is not None:
        raise refuse(
            package.path,
            f"it is the package of a coder named {info.name}, but the project's coder of "
            "that name is someone else (they were added separately); rename one of them "
            "first",
        )
    # A package cannot grant a role: whatever it claims, its coder joins as a plain coder
    # (a coordinator can give them another role afterwards).
    coder = Coder(uuid=info.uuid, name=info.name, role="coder", created_at=info.created_at)
    session.add(coder)
    session.flush()
    plan.coder_added = True
    plan.claimed_role = info.role
    return coder


def _master_recommendations(session: Session, uuids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    wanted = sorted(uuids)
    out: dict[uuid.UUID, int] = {}
    for chunk in in_chunks(wanted):
        out.update(
            session.execute(
                select(Recommendation.uuid, Recommendation.id).where(Recommendation.uuid.in_(chunk))
            ).all()
        )
    return out
