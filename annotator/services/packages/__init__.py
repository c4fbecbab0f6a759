"""Coder packages: a project file for one coder to code offline, and merging it back.

``create_package`` writes a self-contained project file for one coder: the
recommendations given to them, their reviews and source tags, the codebook in use (same
identities and version, with its YAML), the coder, and that coder's own earlier
annotations and statuses. Nothing of any other coder travels (no annotations, statuses,
consensus or audit events), so blind coding holds across files. The file is made through
the project's own creation path, so it opens in the app like any project.

``merge_preview`` and ``merge`` bring packages back. Each package is read by
``opening.read_package`` (a private copy, read-only, checked before use),
then merged in one transaction with the rest:

- identity travels as UUIDs; a coder's value of one field of one recommendation is the
  unit that is compared, and the later edit wins (``updated_at`` of its annotations, or
  the time of the coder's change in the audit trail, which is how a deletion travels);
  equal times change nothing;
- what the project held before is kept in an audit event (action ``merge``); where both
  sides changed a value since the package was made, the plan calls it a conflict;
- statuses merge the same way (the later wins); time spent is the larger of the two;
- merging the same file twice changes nothing (the merge log knows its SHA-256), and
  merging the same work again from another file changes nothing either; packages of
  different coders touch disjoint values, so their order does not matter.

See docs/packages.md for the reasoning.

Modules: ``create`` (making a package); ``opening``, ``schema``, ``value_checks`` and
``reading`` (reading one safely into the records of ``contents``); ``merge`` (the merge's
transaction), ``codebook_map``, ``values`` and ``statuses`` (what it merges), ``plan`` (what
a merge will do or did), ``log`` (the merge log); ``names`` (file names); ``errors``;
``choices`` (who a package can be made for).
"""

from annotator.services.packages.choices import PackageChoices, PackageCoder, package_choices
from annotator.services.packages.contents import MARKER_KEY
from annotator.services.packages.create import (
    PackageReport,
    coder_opening,
    create_package,
    package_marker,
)
from annotator.services.packages.errors import PackageError, PackageRefused
from annotator.services.packages.log import MergeLogEntry, merge_log
from annotator.services.packages.merge import merge, merge_preview
from annotator.services.packages.names import package_file_names
from annotator.services.packages.opening import file_sha256, read_package
from annotator.services.packages.plan import CoderPlan, MergePlan, PackagePlan, ValueChange
from annotator.services.packages.shared import MergeCancelled

__all__ = [
    "MARKER_KEY",
    "CoderPlan",
    "MergeCancelled",
    "MergeLogEntry",
    "MergePlan",
    "PackageChoices",
    "PackageCoder",
    "PackageError",
    "PackagePlan",
    "PackageRefused",
    "PackageReport",
    "ValueChange",
    "coder_opening",
    "create_package",
    "file_sha256",
    "merge",
    "merge_log",
    "merge_preview",
    "package_choices",
    "package_file_names",
    "package_marker",
    "read_package",
]
