"""A real PostgreSQL server for the test run: a temporary cluster on a free loopback port.

The tests start it themselves (``initdb`` + ``pg_ctl``), so a developer needs nothing
but the server's programs installed (Debian: ``apt-get install postgresql``; `.ci/run`
installs them when missing). PostgreSQL refuses to run as root, so under root the
cluster belongs to the ``postgres`` system user and its programs run through
``runuser``.

When the server cannot be started the PostgreSQL tests fail with the reason; they are
skipped only when a developer asks for it with ``ANNOTATOR_SKIP_POSTGRES=1`` (and the
skip says so in the summary), never silently.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

SKIP_VARIABLE = "ANNOTATOR_SKIP_POSTGRES"
SUPERUSER = "upr"


class ServerUnavailable(RuntimeError):
    pass


def _programs() -> Path:
    for name in ("initdb", "pg_ctl"):
        found = shutil.which(name)
        if found and Path(found).resolve().parent.joinpath("pg_ctl").exists():
            return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    raise ServerUnavailable(
        "PostgreSQL's server programs (initdb, pg_ctl) are not installed. "
        "Install them (Debian/Ubuntu: apt-get install postgresql), or set "
        f"{SKIP_VARIABLE}=1 to skip the PostgreSQL tests on purpose."
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    folder: Path
    port: int
    programs: Path
    as_user: list[str]

    @property
    def base_url(self) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}"

    def url(self, database: str) -> str:
        return f"{self.base_url}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(
            [
                *self.as_user,
                str(self.programs / "pg_ctl"),
                "-D",
                str(self.folder / "data"),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def connect(url: str):
    """A plain psycopg connection to the database of a project's SQLAlchemy ``url``:
    another program on the same server (it holds locks the tests need)."""
    import psycopg
    from sqlalchemy import make_url

    plain = make_url(url).set(drivername="postgresql")
    return psycopg.connect(plain.render_as_string(hide_password=False))


def start() -> Server:
    programs = _programs()
    folder = Path(tempfile.mkdtemp(prefix="upr-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            raise ServerUnavailable("Running as root, and there is no runuser to drop to postgres.")
        try:
            import pwd

            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise ServerUnavailable(
                "Running as root, and there is no 'postgres' user to run the server as."
            ) from None
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        folder.chmod(0o700)
        as_user = [runuser, "-u", "postgres", "--"]
    data, sockets, log = folder / "data", folder, folder / "server.log"
    steps = [
        [
            *as_user,
            str(programs / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
        ],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise ServerUnavailable(f"initdb failed: {done.stderr.strip() or done.stdout.strip()}")
    last_error = ""
    for _attempt in range(3):  # a free port can be taken between the probe and the start
        port = _free_port()
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -k {sockets} -c fsync=off "
            "-c max_connections=60"
        )
        started = subprocess.run(
            [
                *as_user,
                str(programs / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(log),
                "-w",
                "-t",
                "60",
                "start",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if started.returncode == 0:
            return Server(folder, port, programs, as_user)
        last_error = log.read_text(errors="replace")[-2000:] if log.exists() else started.stderr
    shutil.rmtree(folder, ignore_errors=True)
    raise ServerUnavailable(f"PostgreSQL did not start: {last_error.strip()}")
