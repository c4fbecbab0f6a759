"""The package's codebook mapped onto the project's, by the identities of fields and codes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from annotator.services.codebook import active_codebook_row
from annotator.services.packages.contents import PackageContents
from annotator.services.packages.errors import refuse
from annotator.services.packages.plan import PackagePlan


@dataclass(frozen=True)
class FieldMap:
    id: int
    key: str
    label: str
    kind: str


@dataclass(frozen=True)
class CodeMap:
    id: int
    field_id: int
    key: str
    label: str
    retired: bool


@dataclass
class MappedCodebook:
    fields: dict[uuid.UUID, FieldMap]  # package field uuid -> the project's field
    codes: dict[uuid.UUID, CodeMap]  # code uuid -> the project's code
    code_by_id: dict[int, tuple[uuid.UUID, CodeMap]]


def map_codebook(session: Session, package: PackageContents, plan: PackagePlan) -> MappedCodebook:
    book = active_codebook_row(session)
    theirs = package.codebook
    if book is None:
        raise refuse(package.path, "the project has no codebook to merge codes into")
    if book.uuid != theirs.uuid:
        raise refuse(
            package.path,
            f"it was made with another codebook ('{theirs.name}', version {theirs.version}) "
            f"than the one the project uses ('{book.name}', version {book.version})",
        )
    if theirs.version > book.version:
        raise refuse(
            package.path,
            f"its codebook (version {theirs.version}) is newer than the project's "
            f"(version {book.version}); codebook changes are made in the coordinator's "
            "project, not in a package",
        )
    fields = {f.uuid: f for f in book.fields}
    codes = {c.uuid: (f, c) for f in book.fields for c in f.codes}
    used_fields = {a.field_uuid for a in package.annotations}
    used_codes = {a.code_uuid for a in package.annotations if a.code_uuid is not None}
    mapped = MappedCodebook({}, {}, {})
    for fuuid, info in theirs.fields.items():
        mine = fields.get(fuuid)
        if mine is None or mine.kind != info.kind:
            if fuuid in used_fields:
                raise refuse(
                    package.path,
                    f"its codes of field '{info.label}' have no place in the project's "
                    f"codebook (version {book.version}), which "
                    + ("no longer has that field" if mine is None else "changed its kind"),
                )
            continue
        mapped.fields[fuuid] = FieldMap(mine.id, mine.key, mine.label, mine.kind)
    for cuuid, code_info in theirs.codes.items():
        found = codes.get(cuuid)
        if found is None or found[0].uuid != code_info.field_uuid:
            if cuuid in used_codes:
                raise refuse(
                    package.path,
                    f"it uses code '{code_info.label}', which the project's codebook (version "
                    f"{book.version}) no longer has",
                )
            continue
        frow, crow = found
        mapped.codes[cuuid] = CodeMap(crow.id, frow.id, crow.key, crow.label, crow.retired)
    for frow in book.fields:
        for crow in frow.codes:
            mapped.code_by_id[crow.id] = (
                crow.uuid,
                CodeMap(crow.id, frow.id, crow.key, crow.label, crow.retired),
            )
    if theirs.version < book.version:
        plan.warnings.append(
            f"The package was made with version {theirs.version} of the codebook; the "
            f"project now has version {book.version}. Codes are matched by identity, so "
            "renamed codes keep their meaning; codes retired since are kept and flagged."
        )
    return mapped
