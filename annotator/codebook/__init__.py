"""The codebook: fields and codes, their YAML and xlsx forms, and validation.

Pure Python (no Qt, no database). A codebook has fields of a kind (``multi``, ``single``,
``ordinal``, ``boolean``, ``text``); choice fields have codes, which may form a tree
(``Field.children``, ``siblings``, ``descendants``, ``ancestors``, ``depth`` and
``preorder``).
Codebooks are shared as YAML (``load_yaml`` / ``dump_yaml``) and as an Excel workbook
(``load_xlsx`` / ``save_xlsx``); every loader checks everything, collects all problems
and raises one ``CodebookError`` whose problems name the file and the YAML line or the
sheet, row and column.

Loading never runs anything from the file: YAML is read with ``yaml.SafeLoader`` and xlsx
with openpyxl in read-only, values-only mode. Saving writes every text as a text cell, so
that no cell can be read as a formula.

The modules: ``model`` (the dataclasses), ``shortcuts``, ``validate``, ``dict_form`` (the
plain-data form the YAML holds), ``yaml_io`` and ``xlsx_io``.
File format notes: ``docs/codebook-format.md``.
"""

from annotator.codebook.dict_form import from_dict, to_dict
from annotator.codebook.model import (
    CODE_ATTRIBUTES,
    FIELD_ATTRIBUTES,
    FORMAT_VERSION,
    Code,
    Codebook,
    CodebookError,
    Field,
    Problem,
)
from annotator.codebook.shortcuts import normalise_shortcut
from annotator.codebook.validate import validate
from annotator.codebook.xlsx_io import load_xlsx, save_xlsx
from annotator.codebook.yaml_io import builtin_codebook, dump_yaml, load_yaml, save_yaml
from annotator.vocabulary import CHOICE_KINDS, FIELD_KINDS

__all__ = [
    "CHOICE_KINDS",
    "CODE_ATTRIBUTES",
    "FIELD_ATTRIBUTES",
    "FIELD_KINDS",
    "FORMAT_VERSION",
    "Code",
    "Codebook",
    "CodebookError",
    "Field",
    "Problem",
    "builtin_codebook",
    "dump_yaml",
    "from_dict",
    "load_xlsx",
    "load_yaml",
    "normalise_shortcut",
    "save_xlsx",
    "save_yaml",
    "to_dict",
    "validate",
]
