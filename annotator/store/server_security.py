"""Team servers that keep coders blind: PostgreSQL group roles, grants and row-level security.

Each person connects with their own login. A login is mapped to a coder
(``server_login``) and is a member of exactly one of three NOLOGIN group roles of
the database, one per coder role. Table privileges say what each group may change
at all (only coordinators the codebook, assignments, coders and recommendations;
adjudicators and coordinators the consensus); row-level security says which rows a
session sees and changes: a coder's session reads only its own annotations,
statuses, notes, audit events and assignments, and writes only its own.

The policies compare ``coder_id`` with the coder of ``current_user``, read from
``server_login`` (whose own policy shows a login only its own row). The database's
owner, who runs ``annotator db secure``, bypasses row-level security as every table
owner does: that is the administrator's login, not a coder's.

Group roles are named after the database (``upr_coder`` for a database ``upr``)
because PostgreSQL roles belong to the whole server and a server may hold several
projects whose teams differ.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, text

from annotator.store.models import CODER_ROLES

# Own rows: coders write their own, coordinators anyone's (merging packages), and
# adjudicators and coordinators read everyone's.
OWN_WORK = {"annotation": "coder_id", "coding_status": "coder_id"}
# Written while coding (every keystroke adds one), never changed afterwards.
AUDIT = {"audit_event": "coder_id"}
# A coder reads only their own rows; only coordinators write.
OWN_READ = {"assignment": "coder_id"}
# Only adjudicators and coordinators read these: they carry everyone's decisions.
TEAM_ONLY = {"consensus": ("adjudicator", "coordinator"), "merge_log": ("coordinator",)}
LOGINS = "server_login"
# Nobody but the owner writes these (migrations, `db grant`).
OWNER_ONLY = ("alembic_version", LOGINS)
POLICY_PREFIX = "upr_"
# What each role may change in the tables nobody owns a row of (the recommendations,
# the codebook, coders, project facts): only a coordinator.
WRITE = "INSERT, UPDATE, DELETE"


@dataclass(frozen=True)
class Identity:
    """Who a connection is on the server."""

    login: str
    secured: bool  # the policies are installed on this database
    administrator: bool  # owns the tables or is a superuser: row-level security does not apply
    coder_id: int | None  # the coder the login is mapped to
    server_role: str | None  # coder / adjudicator / coordinator: the group role it is in


def applies(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def group_roles(connection: Connection) -> dict[str, str]:
    """Coder role -> the name of its group role for this database."""
    database = connection.execute(text("SELECT current_database()")).scalar_one()
    base = database
    longest = max(len(role) for role in CODER_ROLES) + 1
    if len(base.encode()) + longest > 63:  # PostgreSQL's limit on a name
        digest = hashlib.sha1(database.encode()).hexdigest()[:8]
        base = f"{database.encode()[: 63 - longest - 9].decode(errors='ignore')}_{digest}"
    return {role: f"{base}_{role}" for role in CODER_ROLES}


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)


def is_secured(connection: Connection) -> bool:
    if not applies(connection):
        return False
    return bool(
        connection.execute(
            text(
                "SELECT relrowsecurity FROM pg_class "
                "WHERE oid = to_regclass('annotation') AND relkind = 'r'"
            )
        ).scalar()
    )


def identity(connection: Connection) -> Identity | None:
    """Who this connection is (None on SQLite, where there are no logins)."""
    if not applies(connection):
        return None
    login = connection.execute(text("SELECT current_user")).scalar_one()
    administrator = bool(
        connection.execute(
            text(
                "SELECT r.rolsuper OR pg_has_role(current_user, c.relowner, 'MEMBER') "
                "FROM pg_roles r, pg_class c "
                "WHERE r.rolname = current_user AND c.oid = to_regclass('annotation')"
            )
        ).scalar()
    )
    coder_id = connection.execute(
        text(f"SELECT coder_id FROM {LOGINS} WHERE login = :login"), {"login": login}
    ).scalar()
    server_role = None
    for role, group in group_roles(connection).items():
        member = connection.execute(
            text(
                "SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles "
                "WHERE rolname = :group"
            ),
            {"group": group},
        ).scalar()
        if member and not administrator:
            server_role = role
    return Identity(login, is_secured(connection), administrator, coder_id, server_role)


def _tables(connection: Connection) -> list[tuple[str, set[str]]]:
    rows = connection.execute(
        text(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name"
        )
    )
    tables: dict[str, set[str]] = {}
    for table, column in rows:
        tables.setdefault(table, set()).add(column)
    kinds: dict[str, str] = {
        name: kind
        for name, kind in connection.execute(
            text(
                "SELECT table_name, table_type FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
        )
    }
    return [(t, c) for t, c in tables.items() if kinds.get(t) == "BASE TABLE"]


def secure(connection: Connection) -> list[str]:
    """Create the group roles, grant each what its role may do, and install the
    row-level security policies on every table; safe to run again (after an update
    of the app adds tables, or to bring logins' groups in line with their coders'
    roles). Returns the names of tables it did not know, guarded as reference data."""
    q = lambda name: _quote(connection, name)  # noqa: E731
    groups = group_roles(connection)
    for group in groups.values():
        exists = connection.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :g"), {"g": group}
        ).scalar()
        if not exists:
            connection.execute(text(f"CREATE ROLE {q(group)} NOLOGIN"))
    coder, adjudicator, coordinator = (q(groups[r]) for r in CODER_ROLES)
    everyone = f"{coder}, {adjudicator}, {coordinator}"
    database = connection.execute(text("SELECT current_database()")).scalar_one()
    schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    connection.execute(text(f"GRANT CONNECT ON DATABASE {q(database)} TO {everyone}"))
    connection.execute(text(f"GRANT USAGE ON SCHEMA {q(schema)} TO {everyone}"))
    connection.execute(
        text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {q(schema)} TO {everyone}")
    )
    # Imports write ids themselves and then move the sequence past them (setval).
    connection.execute(
        text(f"GRANT UPDATE ON ALL SEQUENCES IN SCHEMA {q(schema)} TO {coordinator}")
    )
    me = f"(SELECT l.coder_id FROM {LOGINS} l WHERE l.login = current_user)"
    unknown: list[str] = []
    for table, columns in _tables(connection):
        t = q(table)
        connection.execute(text(f"REVOKE ALL ON {t} FROM {everyone}"))
        connection.execute(text(f"GRANT SELECT ON {t} TO {everyone}"))
        for (name,) in connection.execute(
            text("SELECT policyname FROM pg_policies WHERE tablename = :t AND policyname LIKE :p"),
            {"t": table, "p": POLICY_PREFIX + "%"},
        ).all():
            connection.execute(text(f"DROP POLICY {q(name)} ON {t}"))
        policies: list[str] = []
        if table in OWN_WORK:
            column = q(OWN_WORK[table])
            connection.execute(text(f"GRANT {WRITE} ON {t} TO {everyone}"))
            policies = [
                f"upr_read_own FOR SELECT TO {coder} USING ({column} = {me})",
                f"upr_read_all FOR SELECT TO {adjudicator}, {coordinator} USING (true)",
                f"upr_write_own FOR ALL TO {coder}, {adjudicator} "
                f"USING ({column} = {me}) WITH CHECK ({column} = {me})",
                f"upr_write_all FOR ALL TO {coordinator} USING (true) WITH CHECK (true)",
            ]
        elif table in AUDIT:
            column = q(AUDIT[table])
            connection.execute(text(f"GRANT INSERT ON {t} TO {everyone}"))
            policies = [
                f"upr_read_own FOR SELECT TO {coder} USING ({column} = {me})",
                f"upr_read_all FOR SELECT TO {adjudicator}, {coordinator} USING (true)",
                f"upr_add_own FOR INSERT TO {coder}, {adjudicator} WITH CHECK ({column} = {me})",
                f"upr_add_any FOR INSERT TO {coordinator} WITH CHECK (true)",
            ]
        elif table in TEAM_ONLY:
            readers = ", ".join(q(groups[r]) for r in TEAM_ONLY[table])
            connection.execute(text(f"GRANT {WRITE} ON {t} TO {readers}"))
            policies = [f"upr_team FOR ALL TO {readers} USING (true) WITH CHECK (true)"]
        elif table == LOGINS:
            policies = [
                f"upr_read_own FOR SELECT TO {coder}, {adjudicator} USING (login = current_user)",
                f"upr_read_all FOR SELECT TO {coordinator} USING (true)",
            ]
        elif table in OWN_READ or (table not in OWNER_ONLY and "coder_id" in columns):
            if table not in OWN_READ:
                unknown.append(table)
            column = q(OWN_READ.get(table, "coder_id"))
            connection.execute(text(f"GRANT {WRITE} ON {t} TO {coordinator}"))
            policies = [
                f"upr_read_own FOR SELECT TO {coder} USING ({column} = {me})",
                f"upr_read_all FOR SELECT TO {adjudicator} USING (true)",
                f"upr_write_all FOR ALL TO {coordinator} USING (true) WITH CHECK (true)",
            ]
        elif table not in OWNER_ONLY:
            connection.execute(text(f"GRANT {WRITE} ON {t} TO {coordinator}"))
        if policies:
            connection.execute(text(f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY"))
            for policy in policies:
                name, rest = policy.split(" ", 1)
                connection.execute(text(f"CREATE POLICY {q(name)} ON {t} {rest}"))
    for login, role in connection.execute(
        text(f"SELECT l.login, c.role FROM {LOGINS} l JOIN coder c ON c.id = l.coder_id")
    ).all():
        _set_group(connection, login, role)
    return unknown


def login_exists(connection: Connection, login: str) -> bool:
    return bool(
        connection.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :login AND rolcanlogin"),
            {"login": login},
        ).scalar()
    )


def create_login(connection: Connection, login: str, password: str | None) -> None:
    q = _quote(connection, login)
    connection.execute(text(f"CREATE ROLE {q} LOGIN"))
    if password:
        # DDL takes no bound parameters: psycopg quotes the password as a literal itself.
        # The server keeps its scram-sha-256 hash, not the text.
        from psycopg import sql

        statement = sql.SQL("ALTER ROLE {} PASSWORD {}").format(
            sql.Identifier(login), sql.Literal(password)
        )
        # The raw psycopg connection: its cursor takes psycopg's composed SQL.
        raw = cast(Any, connection.connection.driver_connection)
        with raw.cursor() as cursor:
            cursor.execute(statement)


def _set_group(connection: Connection, login: str, role: str) -> None:
    """Make the login a member of its role's group and of no other group of this project."""
    q = lambda name: _quote(connection, name)  # noqa: E731
    for other, group in group_roles(connection).items():
        if other == role:
            connection.execute(text(f"GRANT {q(group)} TO {q(login)}"))
        else:
            connection.execute(text(f"REVOKE {q(group)} FROM {q(login)}"))


def grant(connection: Connection, login: str, coder_id: int, role: str) -> None:
    """Map the login to the coder and put it in the group of the coder's role."""
    connection.execute(text(f"DELETE FROM {LOGINS} WHERE login = :login"), {"login": login})
    connection.execute(
        text(f"INSERT INTO {LOGINS} (login, coder_id, granted_at) VALUES (:l, :c, now())"),
        {"l": login, "c": coder_id},
    )
    _set_group(connection, login, role)


def revoke(connection: Connection, login: str) -> bool:
    """Unmap the login and take it out of every group of this project."""
    q = lambda name: _quote(connection, name)  # noqa: E731
    removed = connection.execute(
        text(f"DELETE FROM {LOGINS} WHERE login = :login"), {"login": login}
    ).rowcount
    if login_exists(connection, login):
        for group in group_roles(connection).values():
            connection.execute(text(f"REVOKE {q(group)} FROM {q(login)}"))
    return bool(removed)


def logins(connection: Connection) -> list[tuple[str, str, str, str | None]]:
    """(login, coder name, the coder's role, the role the server gives the login)."""
    groups = {group: role for role, group in group_roles(connection).items()}
    found = []
    for login, name, role in connection.execute(
        text(
            f"SELECT l.login, c.name, c.role FROM {LOGINS} l JOIN coder c ON c.id = l.coder_id "
            "ORDER BY l.login"
        )
    ).all():
        member_of = connection.execute(
            text(
                "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :login"
            ),
            {"login": login},
        ).scalars()
        server_role = next((groups[g] for g in member_of if g in groups), None)
        found.append((login, name, role, server_role))
    return found
