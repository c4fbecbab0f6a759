"""Reading a checked package's records into plain objects."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from annotator.services.packages.contents import (
    CHOICE_KINDS,
    MARKER_KEY,
    AnnotationRecord,
    CodeInfo,
    CoderInfo,
    EventRecord,
    EventValue,
    FieldInfo,
    Marker,
    PackageContents,
    PackageCounts,
    PackagedCodebook,
    StatusRecord,
)
from annotator.services.packages.errors import refuse
from annotator.services.packages.value_checks import (
    BadValue,
    as_flag,
    as_int,
    as_optional_text,
    as_seconds,
    as_text,
    as_time,
    as_uuid,
    unique_uuids,
)
from annotator.store.models import CODER_ROLES, FIELD_KINDS, STATUSES


def read_records(
    connection: sqlite3.Connection, path: Path, sha256: str, size: int, counts: PackageCounts
) -> PackageContents:
    info = {
        as_text(key): as_text(value)
        for key, value in connection.execute("SELECT key, value FROM project_info")
    }
    if "project_uuid" not in info:
        raise refuse(path, "it is not a UPR Coder package (it has no project identity)")
    if MARKER_KEY not in info:
        raise refuse(
            path,
            "it is a whole project, not a coder's package; make packages with "
            "'annotator package create' (File ▸ Coder packages) and merge those",
        )
    marker = Marker.from_json(info[MARKER_KEY], path)
    codebook, field_ids, code_ids = _read_codebook(connection, path)
    if (codebook.uuid, codebook.version) != (marker.codebook_uuid, marker.codebook_version):
        raise refuse(
            path,
            f"its codebook was changed after the package was made (version "
            f"{codebook.version}, made with version {marker.codebook_version}); codebook "
            "changes are made in the coordinator's project, not in a package",
        )
    coders: dict[int, CoderInfo] = {}
    rows = connection.execute("SELECT id, uuid, name, role, created_at FROM coder").fetchall()
    coder_uuids = unique_uuids(((r[0], r[1]) for r in rows), "coders", path)
    for cid, _, name, role, created in rows:
        role = as_text(role)
        if role not in CODER_ROLES:
            raise BadValue(f"unknown role {role!r:.20}")
        coders[as_int(cid)] = CoderInfo(
            coder_uuids[as_int(cid)], as_text(name), role, as_time(created)
        )
    if marker.coder_uuid not in {c.uuid for c in coders.values()}:
        raise refuse(path, f"the coder it was made for ({marker.coder_name}) is not in it")
    recommendations = unique_uuids(
        connection.execute("SELECT id, uuid FROM recommendation"), "recommendations", path
    )
    for table, what in (("annotation", "codes or notes"), ("audit_event", "change records")):
        unique_uuids(connection.execute(f"SELECT id, uuid FROM {table}"), what, path)
    annotations = _read_annotations(connection, field_ids, code_ids, coders, recommendations)
    statuses = [
        StatusRecord(
            recommendation_uuid=recommendations[as_int(rid)],
            coder_uuid=coders[as_int(cid)].uuid,
            status=_status(status),
            flag_reason=as_optional_text(reason),
            seconds_spent=as_seconds(seconds),
            updated_at=as_time(updated),
            suggestions_shown=as_flag(shown),
        )
        for rid, cid, status, reason, seconds, updated, shown in connection.execute(
            "SELECT recommendation_id, coder_id, status, flag_reason, seconds_spent, updated_at, "
            f"{_flag(connection, 'coding_status', 'suggestions_shown')} FROM coding_status"
        )
    ]
    events = _read_events(connection, codebook, field_ids, coders, recommendations)
    return PackageContents(
        path=path,
        sha256=sha256,
        size=size,
        project_uuid=info["project_uuid"],
        info=info,
        marker=marker,
        codebook=codebook,
        coders={c.uuid: c for c in coders.values()},
        recommendations=frozenset(recommendations.values()),
        annotations=annotations,
        statuses=statuses,
        events=events,
    )


def _flag(connection: sqlite3.Connection, table: str, column: str) -> str:
    """The column, or false in a package of a format from before it (see OLDER_MERGEABLE);
    both names are the app's own, never the file's."""
    present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
    return column if column in present else "0"


def _status(value: Any) -> str:
    status = as_text(value)
    if status not in STATUSES:
        raise BadValue(f"unknown status {status!r:.20}")
    return status


def _read_codebook(
    connection: sqlite3.Connection, path: Path
) -> tuple[PackagedCodebook, dict[int, FieldInfo], dict[int, CodeInfo]]:
    books = connection.execute(
        "SELECT id, uuid, name, version FROM codebook WHERE active = 1"
    ).fetchall()
    if len(books) != 1:
        raise refuse(path, "it does not hold exactly one codebook in use")
    book_id, book_uuid, name, version = books[0]
    fields: dict[int, FieldInfo] = {}
    rows = connection.execute(
        "SELECT id, uuid, key, label, kind FROM codebook_field WHERE codebook_id = ?", (book_id,)
    ).fetchall()
    field_uuids = unique_uuids(((r[0], r[1]) for r in rows), "codebook fields", path)
    for fid, _, key, label, kind in rows:
        kind = as_text(kind)
        if kind not in FIELD_KINDS:
            raise BadValue(f"unknown kind of field {kind!r:.20}")
        fields[as_int(fid)] = FieldInfo(
            field_uuids[as_int(fid)], as_text(key), as_text(label), kind
        )
    codes: dict[int, CodeInfo] = {}
    rows = connection.execute("SELECT id, uuid, field_id, key, label FROM code").fetchall()
    code_uuids = unique_uuids(((r[0], r[1]) for r in rows), "codes of the codebook", path)
    for cid, _, field_id, key, label in rows:
        if as_int(field_id) in fields:
            codes[as_int(cid)] = CodeInfo(
                code_uuids[as_int(cid)], fields[field_id].uuid, as_text(key), as_text(label)
            )
    book = PackagedCodebook(
        uuid=as_uuid(book_uuid),
        name=as_text(name),
        version=as_int(version),
        fields={f.uuid: f for f in fields.values()},
        codes={c.uuid: c for c in codes.values()},
    )
    return book, fields, codes


def _read_annotations(
    connection: sqlite3.Connection,
    fields: dict[int, FieldInfo],
    codes: dict[int, CodeInfo],
    coders: dict[int, CoderInfo],
    recs: dict[int, uuid.UUID],
) -> list[AnnotationRecord]:
    out: list[AnnotationRecord] = []
    texts: set[tuple[int, int, int]] = set()
    for (
        auuid,
        rid,
        cid,
        fid,
        code_id,
        value,
        version,
        created,
        updated,
        accepted,
    ) in connection.execute(
        "SELECT uuid, recommendation_id, coder_id, field_id, code_id, value, codebook_version, "
        "created_at, updated_at, "
        f"{_flag(connection, 'annotation', 'accepted_suggestion')} FROM annotation"
    ):
        fld = fields.get(as_int(fid))
        if fld is None:
            raise BadValue("an annotation of a field outside the package's codebook")
        if fld.kind in CHOICE_KINDS:
            code = codes.get(code_id) if code_id is not None else None
            if code is None or code.field_uuid != fld.uuid:
                raise BadValue(f"an annotation of field '{fld.key}' without one of its codes")
            code_uuid: uuid.UUID | None = code.uuid
            value = None
        else:
            if code_id is not None:
                raise BadValue(f"an annotation of field '{fld.key}' with a code")
            key = (as_int(rid), as_int(cid), fid)
            if key in texts:
                raise BadValue(f"two values of field '{fld.key}' for one recommendation")
            texts.add(key)
            code_uuid = None
            value = as_optional_text(value)
        out.append(
            AnnotationRecord(
                uuid=as_uuid(auuid),
                recommendation_uuid=recs[as_int(rid)],
                coder_uuid=coders[as_int(cid)].uuid,
                field_uuid=fld.uuid,
                code_uuid=code_uuid,
                value=value,
                codebook_version=as_int(version),
                created_at=as_time(created),
                updated_at=as_time(updated),
                accepted_suggestion=as_flag(accepted),
            )
        )
    return out


def _event_value(
    data: Any, field_info: FieldInfo, codes_by_key: dict[tuple[uuid.UUID, str], uuid.UUID]
) -> EventValue:
    if not isinstance(data, dict):
        raise BadValue("a change record that is not readable")
    keys = data.get("codes") or []
    if not isinstance(keys, list):
        raise BadValue("a change record that is not readable")
    found = set()
    for key in keys:
        code = codes_by_key.get((field_info.uuid, as_text(key)))
        if code is None:
            raise BadValue(f"a change naming code {key!r:.40}, which its codebook does not have")
        found.add(code)
    return EventValue(frozenset(found), as_optional_text(data.get("text")))


def _status_value(data: Any) -> tuple[str, str | None]:
    if not isinstance(data, dict):
        raise BadValue("a change record that is not readable")
    return _status(data.get("status")), as_optional_text(data.get("reason"))


def _read_events(
    connection: sqlite3.Connection,
    codebook: PackagedCodebook,
    fields: dict[int, FieldInfo],
    coders: dict[int, CoderInfo],
    recs: dict[int, uuid.UUID],
) -> list[EventRecord]:
    """The coders' own changes of annotations and statuses, oldest first.

    Deletions leave no annotation behind, so these changes are how a deletion made in
    the package travels (see docs/packages.md).
    """
    codes_by_key = {(c.field_uuid, c.key): c.uuid for c in codebook.codes.values()}
    out: list[EventRecord] = []
    for euuid, at, cid, action, entity, rid, before, after in connection.execute(
        "SELECT uuid, at, coder_id, action, entity, recommendation_id, before, after "
        "FROM audit_event WHERE action IN ('annotate', 'status') ORDER BY at, id"
    ):
        coder = coders.get(cid) if isinstance(cid, int) else None
        rec = recs.get(rid) if isinstance(rid, int) else None
        if coder is None or rec is None:
            continue  # not about a coder's work on a packaged recommendation
        try:
            old, new = json.loads(as_text(before)), json.loads(as_text(after))
        except json.JSONDecodeError:
            raise BadValue("a change record that is not readable") from None
        if action == "annotate":
            if not isinstance(new, dict):
                raise BadValue("a change record that is not readable")
            fid = new.get("field_id")
            fld = fields.get(fid) if isinstance(fid, int) and not isinstance(fid, bool) else None
            if fld is None or entity != "annotation":
                raise BadValue("a change of a field outside the package's codebook")
            record = EventRecord(
                uuid=as_uuid(euuid),
                at=as_time(at),
                coder_uuid=coder.uuid,
                action=action,
                entity=as_text(entity),
                recommendation_uuid=rec,
                field_uuid=fld.uuid,
                before=_event_value(old, fld, codes_by_key),
                after=_event_value(new, fld, codes_by_key),
            )
        else:
            if entity != "coding_status":
                raise BadValue("a change of status that is not readable")
            record = EventRecord(
                uuid=as_uuid(euuid),
                at=as_time(at),
                coder_uuid=coder.uuid,
                action=action,
                entity=as_text(entity),
                recommendation_uuid=rec,
                field_uuid=None,
                before=_status_value(old),
                after=_status_value(new),
            )
        out.append(record)
    return out
