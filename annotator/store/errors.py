"""Errors a person can read: each names the file and says what to do."""


class ProjectError(Exception):
    """A project could not be opened or changed; the message is for the user."""


class NotAProjectError(ProjectError):
    pass


class NewerProjectError(ProjectError):
    pass


class MigrationError(ProjectError):
    pass


class ProjectBusy(Exception):
    """Another program held the project's write lock for too long; nothing was written."""
