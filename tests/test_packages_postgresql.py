"""Coder packages made from, and merged into, a master project on a PostgreSQL server."""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from annotator.services import packages
from annotator.services.assignments import assign
from annotator.services.coders import get_or_create_coder
from annotator.services.db_copy import copy_project, table_checks
from annotator.store.project import open_project
from tests import test_packages as files  # the same coders' work as the file-master tests
from tests.project_helpers import allow_incomplete_done
from tests.roles import COORDINATOR, coordinator_id


def same_spelling(work: dict) -> dict:
    """Raw SQL hands back UUIDs on PostgreSQL and hex strings on SQLite: compare as hex."""

    def plain(value):
        return value.hex if isinstance(value, uuid.UUID) else value

    return {key: sorted(tuple(plain(v) for v in row) for row in rows) for key, rows in work.items()}


def checks(project):
    with project.engine.connect() as connection:
        return table_checks(connection)


@pytest.fixture
def server_master(sample_path, postgres):
    url = postgres.new_database()
    sample = open_project(sample_path)
    coordinator_id(sample)
    sample.close()
    copy_project(sample_path, url, by_coder=COORDINATOR)
    master = open_project(url)
    allow_incomplete_done(master)  # as the file-master team: the figures rest on these values
    with master.write() as session:
        ids = {name: get_or_create_coder(session, name).id for name in files.CODERS}
        olga = get_or_create_coder(session, "Olga", role="coordinator").id
        assign(session, ids["Amina"], range(1, 61), by_coder_id=olga)
        assign(session, ids["Ben"], range(41, 101), by_coder_id=olga)
    files._MASTER["master"] = master
    yield master, olga
    files._MASTER.clear()
    master.close()


def test_packages_from_a_server_merge_back_in_any_order_and_once(server_master, tmp_path):
    master, olga = server_master
    made = {}
    for name, work in (("Amina", files._amina), ("Ben", files._ben)):
        made[name] = tmp_path / f"{name}.upr"
        packages.create_package(master, name, made[name], made_by_id=olga)
        files.code_in(made[name], name, work)
    for name in ("Ben", "Amina"):  # not the order they were made in
        plan = packages.merge(master, [made[name]], by_coder_id=olga)
        assert plan.writes_anything
    for name in made:
        package = open_project(made[name])
        try:
            assert same_spelling(files.work_of(master, name)) == same_spelling(
                files.work_of(package, name)
            )
        finally:
            package.close()
    merged = checks(master)
    again = packages.merge(master, list(made.values()), by_coder_id=olga)
    assert not again.writes_anything
    assert checks(master) == merged


def test_a_package_with_a_trigger_is_refused_and_the_server_master_unchanged(
    server_master, tmp_path
):
    master, olga = server_master
    path = tmp_path / "Amina.upr"
    packages.create_package(master, "Amina", path, made_by_id=olga)
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TRIGGER sneaky AFTER INSERT ON annotation BEGIN DELETE FROM coder; END"
    )
    connection.commit()
    connection.close()
    before = checks(master)
    with pytest.raises(packages.PackageError):
        packages.merge(master, [path], by_coder_id=olga)
    assert checks(master) == before


def test_two_merges_of_one_package_at_once_merge_it_once(server_master, tmp_path):
    import contextlib
    import threading

    from sqlalchemy import func, select, text

    from annotator.store.models import AuditEvent, MergeLog

    master, olga = server_master
    path = tmp_path / "Amina.upr"
    packages.create_package(master, "Amina", path, made_by_id=olga)
    files.code_in(path, "Amina", files._amina)
    with master.session() as session:
        events_before = session.scalar(select(func.count()).select_from(AuditEvent))
    start = threading.Barrier(2)
    # Each merge, just before it commits, waits a little for the other to get as far:
    # without serialising, both get there (and both write); with it, the second merge
    # waits for the first to commit, so the first waits out the timeout alone.
    both_saving = threading.Barrier(2, timeout=3)
    plans: list = []
    errors: list = []

    def saving(label: str, _done: int, _total: int) -> None:
        if label.startswith("Saving"):
            with contextlib.suppress(threading.BrokenBarrierError):
                both_saving.wait()

    def merge_in_own_connection() -> None:
        own = open_project(master.url)  # as a second laptop or window does
        try:
            start.wait()
            plans.append(packages.merge(own, [path], by_coder_id=olga, progress=saving))
        except BaseException as error:  # reported by the assert below
            errors.append(error)
        finally:
            own.close()

    threads = [threading.Thread(target=merge_in_own_connection) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == [] and len(plans) == 2
    assert sorted(p.writes_anything for p in plans) == [False, True]
    assert sum(p.packages[0].already_merged_at is not None for p in plans) == 1
    with master.session() as session:
        assert session.scalar(select(func.count()).select_from(MergeLog)) == 1
        events_after = session.scalar(select(func.count()).select_from(AuditEvent))
        doubled = session.execute(
            text(
                "SELECT count(*) FROM (SELECT coder_id, recommendation_id, action, at, "
                '"before", "after" FROM audit_event GROUP BY 1, 2, 3, 4, 5, 6 '
                "HAVING count(*) > 1) AS d"
            )
        ).scalar()
    assert doubled == 0
    assert events_after > events_before
    merged = checks(master)
    again = packages.merge(master, [path], by_coder_id=olga)
    assert not again.writes_anything and checks(master) == merged
