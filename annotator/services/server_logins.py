"""Team server logins: securing a project on PostgreSQL, linking logins to coders, and
knowing which coder a connection codes as.

On a secured server the database itself keeps coders blind (see
``annotator.store.server_security``); here are the steps a coordinator takes
(``annotator db secure``, ``db grant``, ``db revoke``, ``db logins``) and the rule the
app and the command line follow when they connect: a login linked to a coder codes as
that coder, whatever name the laptop remembers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from annotator.services.coders import clean_name, find_coder, get_or_create_coder
from annotator.store import server_security as security
from annotator.store.errors import ProjectError
from annotator.store.models import Coder
from annotator.store.project import Project

NOT_A_SERVER = (
    "A project file has no logins: logins and their roles are for a project on a "
    "PostgreSQL server (move it there with 'annotator db copy --from FILE --to URL')."
)


@dataclass(frozen=True)
class SecureReport:
    groups: dict[str, str]  # coder role -> the server's group role
    logins: int  # logins whose group was brought in line with their coder's role
    unknown_tables: tuple[str, ...]  # guarded as reference data: only coordinators write


@dataclass(frozen=True)
class GrantReport:
    login: str
    coder: str
    role: str
    group: str
    created_login: bool
    created_coder: bool


@dataclass(frozen=True)
class LoginRow:
    login: str
    coder: str
    role: str  # the coder's role in the project
    server_role: str | None  # the group the server has the login in

    @property
    def in_line(self) -> bool:
        return self.role == self.server_role


@dataclass(frozen=True)
class Seat:
    """Who codes in this session: the coder, and why it is that one."""

    coder_id: int
    name: str
    role: str
    login: str | None = None  # the server login this coder was taken from


def _require_administrator(project: Project, connection: Connection) -> None:
    if not security.applies(connection):
        raise ValueError(NOT_A_SERVER)
    found = security.identity(connection)
    assert found is not None
    if not found.administrator:
        raise ProjectError(
            f"Only the owner of the database can set up logins; {found.login} is not. "
            "Connect as the owner (the login that created the project on the server)."
        )


def secure_project(project: Project) -> SecureReport:
    """Install (or bring up to date) the server's roles, grants and policies."""
    with project.write() as session:
        connection = session.connection()
        _require_administrator(project, connection)
        unknown = security.secure(connection)
        groups = security.group_roles(connection)
        count = len(security.logins(connection))
    return SecureReport(groups, count, tuple(unknown))


def grant_login(
    project: Project,
    login: str,
    coder_name: str,
    *,
    create_login: bool = False,
    password: str | None = None,
) -> GrantReport:
    """Link a login to a coder (added as a plain coder if the project has none of that
    name) and give the login the group of the coder's role; installs the policies first.
    """
    login = login.strip()
    if not login:
        raise ValueError("Name the login, e.g. --login amina.")
    if len(login.encode()) > 63:
        raise ValueError(f"'{login}' is too long for a PostgreSQL login (63 bytes at most).")
    name = clean_name(coder_name)
    with project.write() as session:
        connection = session.connection()
        _require_administrator(project, connection)
        owner = security.identity(connection)
        if owner is not None and owner.login == login:
            raise ValueError(
                f"{login} owns the database, and an owner is never held by the policies: "
                "give the coder a login of their own."
            )
        created_login = False
        if not security.login_exists(connection, login):
            if not create_login:
                raise ValueError(
                    f"The server has no login '{login}'. Create it first (psql: "
                    f"CREATE ROLE {login} LOGIN PASSWORD '...'; or createuser --pwprompt "
                    f"{login}), or add --create-login."
                )
            security.create_login(connection, login, password)
            created_login = True
        known = find_coder(session, name)
        coder = known or get_or_create_coder(session, name)
        security.secure(connection)
        security.grant(connection, login, coder.id, coder.role)
        group = security.group_roles(connection)[coder.role]
        return GrantReport(login, coder.name, coder.role, group, created_login, known is None)


def revoke_login(project: Project, login: str) -> bool:
    """Unlink the login from its coder and take away its group; the coder's work stays."""
    with project.write() as session:
        connection = session.connection()
        _require_administrator(project, connection)
        return security.revoke(connection, login.strip())


def list_logins(project: Project) -> list[LoginRow]:
    with project.session() as session:
        connection = session.connection()
        if not security.applies(connection):
            raise ValueError(NOT_A_SERVER)
        return [LoginRow(*row) for row in security.logins(connection)]


def server_identity(project: Project) -> security.Identity | None:
    with project.session() as session:
        return security.identity(session.connection())


def session_coder(project: Project, remembered: str | None) -> Seat:
    """The coder this session codes as.

    A server login linked to a coder is that coder, whatever name the laptop remembers.
    On a secured server a login linked to nobody is refused (unless it owns the
    database). Otherwise, as on a file, the remembered name is the coder, added if new.
    """
    with project.session() as session:
        found = security.identity(session.connection())
        if found is not None and found.coder_id is not None:
            coder = session.get(Coder, found.coder_id)
            assert coder is not None  # the mapping's foreign key cascades
            return Seat(coder.id, coder.name, coder.role, found.login)
        if found is not None and found.secured and not found.administrator:
            raise ProjectError(
                f"The login {found.login} is not linked to a coder of this project, so the "
                "server shows it nothing to code. Ask your coordinator to run: annotator db "
                f'grant --login {found.login} --coder "YOUR NAME".'
            )
    if remembered is None:
        raise ProjectError("Say who is coding: a coder's name is needed.")
    with project.write() as session:
        coder = get_or_create_coder(session, remembered)
        return Seat(coder.id, coder.name, coder.role)


def acting_coder(project: Project, named: str | None) -> str | None:
    """The coder a command acts as: a linked login's own coder (naming anyone else is
    refused), else the name given."""
    found = server_identity(project)
    if found is None or found.coder_id is None:
        return named
    with project.session() as session:
        own = session.get(Coder, found.coder_id)
        assert own is not None
    if named is not None and clean_name(named) != own.name:
        raise ProjectError(
            f"You are connected as the login {found.login}, which is the coder {own.name}; "
            f"it cannot act as {clean_name(named)}."
        )
    return own.name
