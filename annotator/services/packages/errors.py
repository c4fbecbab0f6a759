"""A package refused, or one that could not be made or merged."""

from __future__ import annotations

from pathlib import Path

from annotator.store.errors import ProjectError


class PackageError(ProjectError):
    """A package could not be made or merged; the message says why and what to do."""


class PackageRefused(PackageError):
    """A package file was refused; nothing was merged."""


def refuse(path: Path, reason: str) -> PackageRefused:
    return PackageRefused(
        f"{path} was refused: {reason}. Nothing was merged; the project is unchanged."
    )
