"""Errors a person can read: each names the file and says what to do."""


class ProjectError(Exception):
    """A project could not be opened or changed; the message is for the user."""


class NotAProjectError(ProjectError):
    pass


class NewerProjectError(ProjectError):
    pass


class MigrationError(ProjectError):
    pass


class PasswordNeeded(ProjectError):
    """The server wants a password the URL, PGPASSWORD and ~/.pgpass did not give (or it
    refused the one given); the app asks for it, the command line says where to put it."""

    def __init__(self, message: str, url: str, *, refused: bool) -> None:
        super().__init__(message)
        self.url = url
        self.refused = refused


class ServerRefused(ProjectError):
    """The team server's own rules (its logins' roles) refused a read or a change."""


class ProjectBusy(Exception):
    """Another program held the project's write lock for too long; nothing was written."""
