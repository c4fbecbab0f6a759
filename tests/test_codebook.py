"""Tests of annotator.codebook: model, validation, YAML and xlsx forms, built-in codebook."""

from __future__ import annotations

import copy
import pickle
import re
import textwrap
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.codebook import (
    FIELD_KINDS,
    FORMAT_VERSION,
    Code,
    Codebook,
    CodebookError,
    Field,
    Problem,
    builtin_codebook,
    dump_yaml,
    from_dict,
    load_xlsx,
    load_yaml,
    normalise_shortcut,
    save_xlsx,
    save_yaml,
    to_dict,
    validate,
)

# --------------------------------------------------------------------------- helpers

UPR_INFO_ISSUES = {
    "International instruments",
    "Women's rights",
    "Rights of the Child",
    "Justice",
    "Torture and other CID treatment",
    "Detention",
    "Right to education",
    "Minorities",
    "Labour",
    "Migrants",
    "Death penalty",
    "Human rights education and training",
    "Racial discrimination",
    "Special procedures",
    "NHRI",
    "Trafficking",
    "Disabilities",
    "ESC rights - general",
    "Right to health",
    "Freedom of opinion and expression",
    "Treaty bodies",
    "Technical assistance and cooperation",
    "Freedom of the press",
    "Other",
    "Freedom of religion and belief",
    "Sexual Orientation and Gender Identity",
    "Poverty",
    "Development",
    "Enforced disappearances",
    "Civil society",
    "Indigenous peoples",
    "Freedom of association and peaceful assembly",
    "CP rights - general",
    "Asylum-seekers - refugees",
    "General",
    "National plan of action",
    "Human rights defenders",
    "Human rights violations by state agents",
    "UPR process",
    "International humanitarian law",
    "Impunity",
    "Public security",
    "Right to food",
    "Elections",
    "HIV - Aids",
    "Extrajudicial executions",
    "Right to housing",
    "Corruption",
    "Internally displaced persons",
    "Right to land",
    "Environment",
    "Right to water",
    "Counter-terrorism",
    "Freedom of movement",
}

THEME_PARENTS = {
    "International framework",
    "Civil and political rights",
    "Economic social and cultural rights",
    "Groups of persons",
    "Cross-cutting / other",
}

# A small valid codebook as YAML; line numbers in the tests below refer to crafted copies.
SMALL = """\
format_version: 1
name: Small
version: 2
description: A small codebook.
fields:
  - key: themes
    label: Themes
    kind: multi
    required: true
    codes:
      - key: cp
        label: Civil and political rights
        definition: Group.
        colour: "#d62728"
      - key: torture
        label: Torture
        definition: Torture and ill-treatment.
        parent: cp
        shortcut: t
        keywords: [torture, ill-treatment]
  - key: response
    label: Response
    kind: single
    codes:
      - key: accepted
        label: Accepted
        shortcut: Alt+1
      - key: noted
        label: Noted
        shortcut: Alt+2
  - key: action
    label: Action
    kind: ordinal
    codes:
      - key: "1"
        label: Minimal
      - key: "2"
        label: Continuing
  - key: notes
    label: Notes
    kind: text
"""


def small() -> Codebook:
    return load_yaml(SMALL)


def problems_of(source: str) -> list[Problem]:
    with pytest.raises(CodebookError) as info:
        load_yaml(textwrap.dedent(source))
    assert str(info.value) == "\n".join(p.message for p in info.value.problems)
    return info.value.problems


def only_problem(source: str) -> Problem:
    problems = problems_of(source)
    assert len(problems) == 1, [p.message for p in problems]
    return problems[0]


def line_of(source: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line of source that contains needle."""
    hits = [i for i, line in enumerate(source.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def header(fields: str) -> str:
    """A valid codebook head followed by the given field list (already indented)."""
    return "format_version: 1\nname: Test\nfields:\n" + textwrap.dedent(fields)


# --------------------------------------------------------------------------- built-in


def test_builtin_loads_and_validates_clean() -> None:
    cb = builtin_codebook()
    assert validate(cb) == []
    assert cb.name == "UPR recommendations"
    assert cb.version == 1
    assert "UPR Info" in cb.description and "McMahon" in cb.description


def test_builtin_fields_and_kinds() -> None:
    cb = builtin_codebook()
    assert [(f.key, f.kind, f.required) for f in cb.fields] == [
        ("themes", "multi", True),
        ("published_response", "single", True),
        ("position", "single", True),
        ("assessment", "single", False),
        ("action", "ordinal", False),
        ("notes", "text", False),
        ("evidence", "text", False),
    ]
    assert [c.key for c in cb.field("published_response").codes] == [
        "accepted_implemented",
        "accepted_being_implemented",
        "accepted",
        "partially_accepted",
        "noted",
        "rejected",
        "no_response",
    ]
    assert cb.field("published_response").code("no_response").label == "No response / unclear"
    assert [c.key for c in cb.field("position").codes] == [
        "supported",
        "partially_supported",
        "noted",
        "rejected",
        "no_clear_response",
    ]
    assert [(c.key, c.label) for c in cb.field("assessment").codes] == [
        ("genuine_acceptance", "Genuine acceptance"),
        ("acceptance_contested", "Acceptance contested by evidence"),
        ("qualified_acceptance", "Qualified or partial acceptance"),
        ("noted_without_reasons", "Noted without explanation"),
        ("rejection_with_reasons", "Rejection with reasons"),
        ("rejection", "Rejection"),
    ]
    action = cb.field("action")
    assert [c.key for c in action.codes] == ["1", "2", "3", "4", "5"]
    assert [c.label for c in action.codes] == [
        "Minimal action",
        "Continuing action",
        "Considering action",
        "General action",
        "Specific action",
    ]
    assert "technical assistance" in action.code("1").definition
    assert "consider" in action.code("3").definition
    assert "ratify" in action.code("5").definition
    assert cb.field("notes").codes == [] and cb.field("evidence").codes == []
    assert "citation or link" in cb.field("evidence").description.lower()


def test_builtin_themes_are_the_upr_info_issues_and_reprisals_under_five_parents() -> None:
    themes = builtin_codebook().field("themes")
    parents = [c for c in themes.codes if c.parent is None]
    assert {p.label for p in parents} == THEME_PARENTS
    parent_keys = {p.key for p in parents}
    children = [c for c in themes.codes if c.parent is not None]
    assert all(c.parent in parent_keys for c in children)
    assert len(children) == 55
    assert {c.label for c in children} == UPR_INFO_ISSUES | {
        "Reprisals and intimidation for cooperation with the UN"
    }
    assert all(re.fullmatch(r"[a-z0-9_]+", c.key) for c in themes.codes)
    reprisals = themes.code("reprisals")
    assert themes.code(reprisals.parent or "").label == "Civil and political rights"
    assert "not in the upr info issue list" in reprisals.definition.lower()
    assert themes.code(themes.code("torture").parent or "").label == "Civil and political rights"
    assert themes.code(themes.code("womens_rights").parent or "").label == "Groups of persons"
    for parent in parents:  # every group has issues under it
        assert any(c.parent == parent.key for c in children), parent.key


def test_builtin_every_code_has_a_definition() -> None:
    for fld in builtin_codebook().fields:
        for code in fld.codes:
            assert code.definition.strip(), f"{fld.key}.{code.key}"


def test_builtin_confusable_themes_have_include_exclude_rules() -> None:
    themes = builtin_codebook().field("themes")
    pairs = [
        ("detention", "torture"),
        ("justice", "impunity"),
        ("freedom_of_expression", "freedom_of_the_press"),
        ("rights_of_the_child", "right_to_education"),
        ("womens_rights", "trafficking"),
    ]
    for a, b in pairs:
        for this, other in ((a, b), (b, a)):
            code = themes.code(this)
            assert code.exclude, this
            assert other in code.exclude or other in code.include, (this, other)


def test_builtin_shortcuts() -> None:
    cb = builtin_codebook()
    themes = [c for c in cb.field("themes").codes if c.shortcut]
    assert 18 <= len(themes) <= 22
    assert all(re.fullmatch(r"[a-z]", c.shortcut or "") for c in themes)
    assert cb.field("themes").code("torture").shortcut == "t"
    assert set(cb.field("themes").code("torture").keywords) >= {"torture", "ill-treatment"}
    assert all(c.keywords for c in themes)
    # one family of keys per field; Alt+1..Alt+5 stay free for theme suggestions
    assert [c.shortcut for c in cb.field("published_response").codes] == [
        str(i) for i in range(1, 8)
    ]
    assert [c.shortcut for c in cb.field("position").codes] == [f"Alt+{d}" for d in "67890"]
    assert [c.shortcut for c in cb.field("assessment").codes] == [
        f"Ctrl+Alt+{i}" for i in range(1, 7)
    ]
    assert [c.shortcut for c in cb.field("action").codes] == [f"Ctrl+{i}" for i in range(1, 6)]
    everything = [c.shortcut for f in cb.fields for c in f.codes if c.shortcut]
    assert len(everything) == len(set(everything))
    assert all(normalise_shortcut(s) == s for s in everything)


def test_builtin_returns_a_fresh_copy() -> None:
    first = builtin_codebook()
    first.field("themes").codes.clear()
    assert builtin_codebook().field("themes").codes


# --------------------------------------------------------------------------- the model


def test_field_and_code_lookup() -> None:
    cb = small()
    assert cb.field("themes").code("torture").label == "Torture"
    with pytest.raises(KeyError):
        cb.field("nope")
    with pytest.raises(KeyError):
        cb.field("themes").code("nope")


def test_codebook_error_is_a_value_error_listing_every_problem() -> None:
    err = CodebookError([Problem("a.yaml, line 1: one", 1), Problem("a.yaml, line 2: two", 2)])
    assert isinstance(err, ValueError)
    assert str(err) == "a.yaml, line 1: one\na.yaml, line 2: two"
    again = pickle.loads(pickle.dumps(err))
    assert again.problems == err.problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a", "a"),
        (" A ", "a"),
        ("7", "7"),
        ("alt+3", "Alt+3"),
        ("ALT + 3", "Alt+3"),
        ("shift+ctrl+X", "Ctrl+Shift+x"),
        ("meta+alt+shift+control+k", "Ctrl+Alt+Shift+Meta+k"),
        ("option+1", "Alt+1"),
        ("f5", "F5"),
        ("Ctrl+F12", "Ctrl+F12"),
        ("Ctrl+-", "Ctrl+-"),
        ("/", "/"),
    ],
)
def test_normalise_shortcut(text: str, expected: str) -> None:
    assert normalise_shortcut(text) == expected
    assert normalise_shortcut(expected) == expected


@pytest.mark.parametrize(
    "junk", ["", "   ", "ab", "Ctrl+", "+a", "Ctrl", "Alt+Alt+1", "Hyper+a", "F25", "é", "Ctrl++"]
)
def test_normalise_shortcut_rejects_junk(junk: str) -> None:
    with pytest.raises(ValueError):
        normalise_shortcut(junk)


# --------------------------------------------------------------------------- YAML form


def test_yaml_round_trip_of_builtin() -> None:
    cb = builtin_codebook()
    assert load_yaml(dump_yaml(cb)) == cb


def test_yaml_round_trip_of_awkward_texts() -> None:
    cb = small()
    code = cb.field("themes").code("torture")
    code.definition = "Two lines\nof text\n"
    code.include = "  leading spaces, trailing newline\n\n"
    code.exclude = "yes"
    code.example = '=HYPERLINK("x") # not a comment: é ü 中文'
    code.retired = True
    cb.description = "null"
    text = dump_yaml(cb)
    assert "中文" in text  # allow_unicode
    assert load_yaml(text) == cb


def test_dump_leaves_out_empty_optional_values() -> None:
    text = dump_yaml(small())
    accepted = text[text.index("key: accepted") : text.index("key: noted")]
    for absent in ("definition", "parent", "colour", "retired", "keywords", "include"):
        assert absent not in accepted
    assert "retired: false" not in text and "required: false" not in text
    assert text.startswith("format_version: 1\nname: Small\n")


def test_to_dict_and_from_dict() -> None:
    cb = small()
    d = to_dict(cb)
    assert d["format_version"] == FORMAT_VERSION
    assert d["fields"][0]["codes"][1] == {
        "key": "torture",
        "label": "Torture",
        "definition": "Torture and ill-treatment.",
        "parent": "cp",
        "shortcut": "t",
        "keywords": ["torture", "ill-treatment"],
    }
    assert from_dict(copy.deepcopy(d)) == cb
    d["fields"][0]["codes"][1]["parent"] = "missing"
    with pytest.raises(CodebookError, match="parent 'missing' of code 'torture'"):
        from_dict(d)
    with pytest.raises(CodebookError, match="must be a mapping"):
        from_dict(["not", "a", "dict"])  # type: ignore[arg-type]


def test_save_and_load_yaml_file(tmp_path: Path) -> None:
    cb = builtin_codebook()
    path = tmp_path / "codebook.yaml"
    save_yaml(cb, path)
    assert load_yaml(path) == cb
    assert load_yaml(str(path)) == cb
    assert path.read_text(encoding="utf-8").startswith("format_version: 1\n")
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_save_yaml_refuses_an_invalid_codebook(tmp_path: Path) -> None:
    cb = small()
    cb.field("themes").code("torture").parent = "nope"
    with pytest.raises(CodebookError, match="parent 'nope'"):
        save_yaml(cb, tmp_path / "bad.yaml")
    assert not (tmp_path / "bad.yaml").exists()


def test_load_yaml_normalises_shortcuts() -> None:
    cb = load_yaml(SMALL.replace("shortcut: Alt+1", "shortcut: alt + 1"))
    assert cb.field("response").code("accepted").shortcut == "Alt+1"


def test_load_yaml_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + SMALL.encode("utf-8"))
    assert load_yaml(path) == small()


# --------------------------------------------------------------------------- YAML errors


def test_yaml_unknown_top_level_key() -> None:
    p = only_problem(SMALL.replace("version: 2\n", "version: 2\nauthor: me\n"))
    assert p.line == 4
    assert p.message.startswith("line 4: ") and "unknown key 'author'" in p.message


def test_yaml_unknown_code_key_suggests_the_right_one() -> None:
    p = only_problem(SMALL.replace("        colour: ", "        color: "))
    assert p.line == 14 and "'color'" in p.message and "did you mean 'colour'" in p.message


def test_yaml_missing_top_level_keys() -> None:
    problems = problems_of("format_version: 1\ndescription: no name, no fields\n")
    assert [p.line for p in problems] == [1, 1]
    assert "has no 'name'" in problems[0].message
    assert "has no 'fields'" in problems[1].message


def test_yaml_missing_code_label_names_the_code_line() -> None:
    p = only_problem(SMALL.replace("        label: Noted\n", ""))
    assert p.line == 28 and "code 'noted' in field 'response' has no 'label'" in p.message


def test_yaml_wrong_types() -> None:
    source = (
        SMALL.replace("version: 2", "version: two")
        .replace("label: Minimal", "label: 5")
        .replace("required: true", "required: maybe")
        .replace("keywords: [torture, ill-treatment]", "keywords: torture")
    )
    problems = problems_of(source)
    by_line = {p.line: p.message for p in problems}
    assert list(by_line) == [3, 9, 20, 36]
    assert [line_of(source, s) for s in ("two", "maybe", "keywords: torture", "label: 5")] == [
        3,
        9,
        20,
        36,
    ]
    assert "version must be a whole number" in by_line[3]
    assert "'required' of field 'themes' must be true or false" in by_line[9]
    assert "'keywords' of code 'torture' in field 'themes' must be a list" in by_line[20]
    assert "'label' of code '1' in field 'action' must be text, not a number" in by_line[36]
    assert "put it in quotes" in by_line[36]


def test_yaml_newer_format_version() -> None:
    p = only_problem(SMALL.replace("format_version: 1", f"format_version: {FORMAT_VERSION + 1}"))
    assert p.line == 1
    assert "made by a newer UPR Coder" in p.message and "Update UPR Coder" in p.message


def test_yaml_bad_format_version() -> None:
    p = only_problem(SMALL.replace("format_version: 1", "format_version: one"))
    assert p.line == 1 and "format_version must be a whole number" in p.message


def test_yaml_unknown_field_kind() -> None:
    source = SMALL.replace("kind: text", "kind: essay")
    p = only_problem(source)
    assert p.line == line_of(source, "kind: essay") == 41
    assert "field 'notes' has unknown kind 'essay'" in p.message


def test_yaml_duplicate_field_keys() -> None:
    source = SMALL.replace("key: notes", "key: themes")
    p = only_problem(source)
    assert p.line == line_of(source, "key: themes", 2) == 39
    assert p.message == "line 39: field 'themes' appears twice (first at line 6)"


def test_yaml_duplicate_code_keys(tmp_path: Path) -> None:
    path = tmp_path / "upr.yaml"
    path.write_text(SMALL.replace("key: noted", "key: accepted"), encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        load_yaml(path)
    [p] = info.value.problems
    assert p.line == 28
    assert p.message == (
        "upr.yaml, line 28: code 'accepted' appears twice in field 'response' (first at line 25)"
    )


def test_yaml_duplicate_mapping_key() -> None:
    p = only_problem(SMALL.replace("        label: Torture\n", "        label: Torture\n" * 2))
    assert p.line == 17 and "'label' twice (first at line 16)" in p.message


@pytest.mark.parametrize("bad", ["Torture", "tor ture", "tortüre", "a/b", "''"])
def test_yaml_invalid_code_key_characters(bad: str) -> None:
    problems = problems_of(SMALL.replace("key: torture", f"key: {bad}"))
    assert problems[0].line == 15
    assert "key of code" in problems[0].message or "is empty" in problems[0].message


def test_yaml_invalid_field_key_characters() -> None:
    source = SMALL.replace("key: notes", "key: Notes!")
    p = only_problem(source)
    assert p.line == line_of(source, "Notes!") and "'Notes!' is not valid" in p.message


def test_yaml_empty_label() -> None:
    source = SMALL.replace("label: Continuing", "label: '  '")
    p = only_problem(source)
    assert (
        p.line == line_of(source, "label: '  '")
        and "the label of code '2' in field 'action' is empty" in p.message
    )


def test_yaml_parent_not_a_code_of_the_same_field() -> None:
    p = only_problem(SMALL.replace("parent: cp", "parent: accepted"))
    assert p.line == 18
    assert (
        "parent 'accepted' of code 'torture' in field 'themes' is not a code of field 'themes'"
        in (p.message)
    )


def test_yaml_parent_cycle() -> None:
    source = SMALL.replace("        colour: ", "        parent: torture\n        colour: ")
    p = only_problem(source)
    assert p.line == 14
    assert "'cp' -> 'torture' -> 'cp'" in p.message and "cycle" in p.message


def test_yaml_longer_parent_cycle_is_reported_once() -> None:
    source = header(
        """\
          - key: t
            label: T
            kind: multi
            codes:
              - {key: a, label: A, parent: c}
              - {key: b, label: B, parent: a}
              - {key: c, label: C, parent: b}
              - {key: d, label: D, parent: a}
        """
    )
    p = only_problem(source)
    assert p.line == 8 and "'a' -> 'c' -> 'b' -> 'a'" in p.message


def test_yaml_code_that_is_its_own_parent() -> None:
    p = only_problem(SMALL.replace("parent: cp", "parent: torture"))
    assert p.line == 18 and "code 'torture' in field 'themes' is its own parent" in p.message


def test_yaml_parent_only_in_multi_fields() -> None:
    p = only_problem(SMALL.replace("label: Noted\n", "label: Noted\n        parent: accepted\n"))
    assert p.line == 30
    assert "only codes of multi fields can have a parent" in p.message
    assert "'response' is a single field" in p.message


@pytest.mark.parametrize("kind", ["boolean", "text"])
def test_yaml_codes_on_boolean_and_text_fields(kind: str) -> None:
    source = SMALL.replace("kind: text", f"kind: {kind}\n    codes:\n      - {{key: x, label: X}}")
    p = only_problem(source)
    assert p.line == line_of(source, "{key: x, label: X}")
    assert f"field 'notes' is a {kind} field, which cannot have codes" in p.message


@pytest.mark.parametrize("kind", ["single", "multi", "ordinal"])
def test_yaml_choice_field_without_codes(kind: str) -> None:
    source = SMALL.replace("kind: text", f"kind: {kind}")
    p = only_problem(source)
    assert (
        p.line == line_of(source, "key: notes")
        and f"field 'notes' is a {kind} field but has no codes" in p.message
    )


def test_yaml_ordinal_codes_not_consecutive() -> None:
    source = SMALL.replace('key: "2"', 'key: "3"')
    p = only_problem(source)
    assert p.line == line_of(source, 'key: "3"')
    assert "code '3' in ordinal field 'action' should be '2'" in p.message


def test_yaml_ordinal_codes_not_integers() -> None:
    source = SMALL.replace('key: "1"', "key: low")
    p = only_problem(source)
    assert p.line == line_of(source, "key: low") and "must be keyed by a whole number" in p.message


def test_yaml_ordinal_codes_out_of_scale_order() -> None:
    source = SMALL.replace('key: "1"', 'key: "X"').replace('key: "2"', 'key: "1"')
    source = source.replace('key: "X"', 'key: "2"')
    p = only_problem(source)
    assert p.line == line_of(source, 'key: "1"') and "should be '3'" in p.message


def test_yaml_clashing_shortcuts_across_fields_name_both_codes() -> None:
    source = SMALL.replace("shortcut: t", "shortcut: alt+2")
    p = only_problem(source)
    assert p.line == line_of(source, "shortcut: Alt+2")  # the later one, naming the first
    assert line_of(source, "shortcut: alt+2") == 19
    assert p.message == (
        "line 30: shortcut 'Alt+2' of code 'noted' in field 'response' clashes with code "
        "'torture' in field 'themes' (line 19)"
    )


def test_yaml_invalid_shortcut() -> None:
    p = only_problem(SMALL.replace("shortcut: t", "shortcut: Ctrl+"))
    assert p.line == 19 and "shortcut 'Ctrl+' of code 'torture'" in p.message


@pytest.mark.parametrize("colour", ["red", "'#fff'", "'#12345g'", "'#1234567'"])
def test_yaml_bad_colour(colour: str) -> None:
    p = only_problem(SMALL.replace('colour: "#d62728"', f"colour: {colour}"))
    assert p.line == 14 and "is not of the form '#rrggbb'" in p.message


@pytest.mark.parametrize(
    "keywords", ["[torture, '']", "[torture, '  ']", "[' torture']", "['a;b']"]
)
def test_yaml_bad_keywords(keywords: str) -> None:
    p = only_problem(SMALL.replace("[torture, ill-treatment]", keywords))
    assert p.line == 20 and "keyword" in p.message and "code 'torture'" in p.message


def test_yaml_control_character_in_text() -> None:
    p = only_problem(SMALL.replace("definition: Group.", 'definition: "Group\\x01."'))
    assert p.line == 13 and "U+0001" in p.message


def test_yaml_collects_all_problems_before_raising(tmp_path: Path) -> None:
    source = (
        SMALL.replace("kind: text", "kind: essay")
        .replace("parent: cp", "parent: nope")
        .replace('colour: "#d62728"', "colour: red")
        .replace("shortcut: Alt+2", "shortcut: Alt+1")
    )
    path = tmp_path / "many.yaml"
    path.write_text(source, encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        load_yaml(path)
    problems = info.value.problems
    expected = [
        line_of(source, "colour: red"),
        line_of(source, "parent: nope"),
        line_of(source, "shortcut: Alt+1", 2),
        line_of(source, "kind: essay"),
    ]
    assert expected == [14, 18, 30, 41]
    assert [p.line for p in problems] == expected  # in file order
    assert str(info.value).count("\n") == 3
    assert all(p.message.startswith(f"many.yaml, line {p.line}: ") for p in problems)


def test_yaml_not_a_mapping() -> None:
    p = only_problem("- just\n- a list\n")
    assert p.line == 1 and "must be a mapping" in p.message


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n", "---\n"])
def test_yaml_empty(text: str) -> None:
    p = only_problem(text)
    assert "empty" in p.message


def test_yaml_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_bytes(b"")
    with pytest.raises(CodebookError, match=r"^empty\.yaml: the codebook is empty"):
        load_yaml(path)


def test_yaml_syntax_error_gives_yaml_line_and_column() -> None:
    source = SMALL.replace("label: Noted", "label: Noted: badly")
    with pytest.raises(yaml.MarkedYAMLError) as raw:
        yaml.safe_load(source)
    mark = raw.value.problem_mark
    assert mark is not None
    p = only_problem(source)
    assert p.line == line_of(source, "badly") == mark.line + 1
    assert p.message.startswith(f"line {p.line}, column {mark.column + 1}: not valid YAML")


def test_yaml_syntax_error_in_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(CodebookError, match=r"^broken\.yml, line 2, column 1: not valid YAML"):
        load_yaml(path)


def test_yaml_file_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(SMALL.replace("A small codebook.", "Caf\xe9").encode("latin-1"))
    with pytest.raises(CodebookError) as info:
        load_yaml(path)
    [p] = info.value.problems
    assert p.line == 4 and p.message.startswith("latin1.yaml, line 4: the file is not UTF-8")


def test_yaml_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CodebookError, match="cannot read the file"):
        load_yaml(tmp_path / "nowhere.yaml")


def test_yaml_never_runs_code_from_the_file(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    source = f"format_version: 1\nname: !!python/object/apply:os.system ['touch {target}']\n"
    with pytest.raises(CodebookError, match="not valid YAML"):
        load_yaml(source)
    assert not target.exists()


def test_yaml_unhashable_key_and_recursive_alias() -> None:
    assert "not valid YAML" in only_problem("? [a, b]\n: c\n").message
    assert "not valid YAML" in only_problem("&a [*a]\n").message


# --------------------------------------------------------------------------- validate()


def test_validate_names_field_and_code_without_lines() -> None:
    cb = small()
    assert validate(cb) == []
    cb.field("themes").code("torture").parent = "nope"
    cb.field("response").codes.append(Code(key="accepted", label="Again"))
    cb.fields.append(Field(key="flag", label="", kind="boolean"))
    problems = validate(cb)
    assert [p.message for p in problems] == [
        "parent 'nope' of code 'torture' in field 'themes' is not a code of field 'themes'",
        "code 'accepted' appears twice in field 'response'",
        "the label of field 'flag' is empty",
    ]
    assert all(p.line is None and p.sheet is None for p in problems)


def test_validate_compares_shortcuts_after_normalising() -> None:
    cb = small()
    cb.field("themes").code("torture").shortcut = "Alt+3"
    cb.field("response").code("noted").shortcut = " alt + 3"  # set by hand, not normalised
    [p] = validate(cb)
    assert p.message == (
        "shortcut 'Alt+3' of code 'noted' in field 'response' clashes with code 'torture' "
        "in field 'themes'"
    )


def test_validate_catches_wrong_types_set_from_code() -> None:
    cb = small()
    cb.version = 0
    cb.field("themes").code("torture").keywords = "torture"  # type: ignore[assignment]
    cb.field("themes").required = "yes"  # type: ignore[assignment]
    messages = [p.message for p in validate(cb)]
    assert len(messages) == 3
    assert any("version must be a whole number" in m for m in messages)


# --------------------------------------------------------------------------- xlsx form


def test_xlsx_round_trip_of_builtin(tmp_path: Path) -> None:
    cb = builtin_codebook()
    path = tmp_path / "codebook.xlsx"
    save_xlsx(cb, path)
    assert load_xlsx(path) == cb
    assert load_xlsx(str(path)) == cb


def test_xlsx_layout(tmp_path: Path) -> None:
    cb = small()
    path = tmp_path / "layout.xlsx"
    save_xlsx(cb, path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Codes", "Fields", "Codebook"]
    codes = wb["Codes"]
    assert [c.value for c in codes[1]] == [
        "field",
        "key",
        "label",
        "definition",
        "include",
        "exclude",
        "example",
        "parent",
        "shortcut",
        "colour",
        "retired",
        "keywords",
    ]
    assert all(c.font.b for c in codes[1])
    assert codes.freeze_panes == "A2"
    assert codes.column_dimensions["D"].width >= 40
    assert codes["D2"].alignment.wrap_text
    assert [c.value for c in codes[3]][:3] == ["themes", "torture", "Torture"]
    assert codes["L3"].value == "torture; ill-treatment"
    assert {row[0].value for row in codes.iter_rows(min_row=2)} == {"themes", "response", "action"}
    fields = wb["Fields"]
    assert [c.value for c in fields[1]] == ["field", "label", "kind", "description", "required"]
    assert [r[0].value for r in fields.iter_rows(min_row=2)] == [
        "themes",
        "response",
        "action",
        "notes",
    ]
    assert fields["E2"].value == "yes" and fields["E3"].value is None
    book = wb["Codebook"]
    assert [(r[0].value, r[1].value) for r in book.iter_rows()] == [
        ("property", "value"),
        ("format_version", FORMAT_VERSION),
        ("name", "Small"),
        ("version", 2),
        ("description", "A small codebook."),
    ]


def test_xlsx_never_writes_a_formula(tmp_path: Path) -> None:
    cb = small()
    code = cb.field("themes").code("torture")
    code.definition = '=HYPERLINK("x")'
    code.include = "+1"
    code.exclude = "-1"
    code.example = "@SUM(A1)"
    code.label = "\t=1+1"
    cb.field("response").code("noted").definition = "\r=cmd|' /C calc'!A0"
    cb.description = "=1"
    path = tmp_path / "formula.xlsx"
    save_xlsx(cb, path)

    assert load_xlsx(path) == cb
    wb = openpyxl.load_workbook(path)
    cell = wb["Codes"]["D3"]
    assert cell.value == '=HYPERLINK("x")' and cell.data_type == "s"
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            assert all(c.data_type != "f" for c in row)
    with zipfile.ZipFile(path) as z:
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in z.namelist())


def test_xlsx_reads_cells_typed_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "by-hand.xlsx"
    save_xlsx(small(), path)
    wb = openpyxl.load_workbook(path)
    wb["Codes"]["B6"] = 1  # ordinal keys typed as numbers
    wb["Codes"]["B7"] = 2.0
    wb["Codes"]["I3"] = "T"  # shortcut in another case
    wb["Codes"]["K4"] = "Yes"
    wb["Codebook"]["B4"] = "2"
    wb["Codes"].insert_rows(5)  # a blank row in the middle
    wb.save(path)
    cb = load_xlsx(path)
    expected = small()
    expected.field("themes").code("torture").shortcut = "t"
    expected.field("response").code("accepted").retired = True
    assert cb == expected


def test_save_xlsx_refuses_an_invalid_codebook(tmp_path: Path) -> None:
    cb = small()
    cb.field("themes").code("torture").colour = "red"
    with pytest.raises(CodebookError, match="colour 'red'"):
        save_xlsx(cb, tmp_path / "bad.xlsx")
    assert not (tmp_path / "bad.xlsx").exists()


# --------------------------------------------------------------------------- xlsx errors


def saved(tmp_path: Path, name: str = "book.xlsx") -> Path:
    path = tmp_path / name
    save_xlsx(small(), path)
    return path


def xlsx_problems(path: Path) -> list[Problem]:
    with pytest.raises(CodebookError) as info:
        load_xlsx(path)
    assert str(info.value) == "\n".join(p.message for p in info.value.problems)
    return info.value.problems


@pytest.mark.parametrize("sheet", ["Codes", "Fields", "Codebook"])
def test_xlsx_missing_sheet(tmp_path: Path, sheet: str) -> None:
    path = saved(tmp_path)
    wb = openpyxl.load_workbook(path)
    del wb[sheet]
    wb.save(path)
    [p] = xlsx_problems(path)
    assert p.sheet == sheet
    assert p.message.startswith(f"book.xlsx, sheet '{sheet}': the sheet is missing")


def test_xlsx_renamed_header_column(tmp_path: Path) -> None:
    path = saved(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["Codes"]["D1"] = "definitions"
    wb.save(path)
    problems = xlsx_problems(path)
    assert [(p.sheet, p.line, p.column) for p in problems] == [
        ("Codes", 1, "D"),
        ("Codes", 1, "definition"),
    ]
    assert problems[0].message.startswith(
        "book.xlsx, sheet 'Codes', row 1, column 'D': unknown column 'definitions'"
    )
    assert "the header has no column 'definition'" in problems[1].message


def test_xlsx_missing_header_column(tmp_path: Path) -> None:
    path = saved(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["Fields"].delete_cols(3)
    wb.save(path)
    [p] = xlsx_problems(path)
    assert (p.sheet, p.line, p.column) == ("Fields", 1, "kind")
    assert "sheet 'Fields', row 1, column 'kind'" in p.message


def test_xlsx_empty_sheet(tmp_path: Path) -> None:
    path = saved(tmp_path)
    wb = openpyxl.load_workbook(path)
    del wb["Codebook"]
    wb.create_sheet("Codebook")
    wb.save(path)
    [p] = xlsx_problems(path)
    assert (p.sheet, p.line) == ("Codebook", 1) and "header row is empty" in p.message


def test_xlsx_cell_errors_name_sheet_row_and_column(tmp_path: Path) -> None:
    path = saved(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["Codes"]["H3"] = "nope"  # parent of torture
    wb["Codes"]["I5"] = "t"  # shortcut of noted clashes with torture's
    wb["Codes"]["K6"] = "maybe"
    wb["Fields"]["C5"] = "essay"
    wb.save(path)
    problems = xlsx_problems(path)
    assert [(p.sheet, p.line, p.column) for p in problems] == [
        ("Codes", 3, "parent"),
        ("Codes", 5, "shortcut"),
        ("Codes", 6, "retired"),
        ("Fields", 5, "kind"),
    ]
    assert problems[0].message == (
        "book.xlsx, sheet 'Codes', row 3, column 'parent': parent 'nope' of code 'torture' "
        "in field 'themes' is not a code of field 'themes'"
    )
    assert "clashes with code 'torture' in field 'themes' (row 3)" in problems[1].message


def test_xlsx_duplicate_code_names_first_row(tmp_path: Path) -> None:
    path = saved(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["Codes"]["B5"] = "accepted"
    wb.save(path)
    [p] = xlsx_problems(path)
    assert p.message == (
        "book.xlsx, sheet 'Codes', row 5, column 'key': code 'accepted' appears twice in "
        "field 'response' (first at row 4)"
    )


def test_xlsx_code_of_unknown_field(tmp_path: Path) -> None:
    path = saved(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["Codes"]["A2"] = "theme"
    wb["Codes"]["H3"] = None  # torture's parent row moved away
    wb.save(path)
    [p] = xlsx_problems(path)
    assert (p.sheet, p.line, p.column) == ("Codes", 2, "field")
    assert "field 'theme' is not listed in sheet 'Fields'" in p.message


def test_xlsx_codes_on_text_field(tmp_path: Path) -> None:
    path = saved(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["Codes"].append(["notes", "x", "X"])
    wb.save(path)
    [p] = xlsx_problems(path)
    assert (p.sheet, p.line) == ("Codes", 8)
    assert "field 'notes' is a text field, which cannot have codes" in p.message


def test_xlsx_codebook_sheet_errors(tmp_path: Path) -> None:
    path = saved(tmp_path)
    wb = openpyxl.load_workbook(path)
    book = wb["Codebook"]
    book["B4"] = "two"
    book.append(["author", "me"])
    book.delete_rows(3)  # the name row
    wb.save(path)
    problems = xlsx_problems(path)
    messages = [p.message for p in problems]
    assert any("there is no row for 'name'" in m for m in messages)
    assert any(m.startswith("book.xlsx, sheet 'Codebook', row 3, column 'value'") for m in messages)
    assert any("row 5, column 'property': unknown property 'author'" in m for m in messages)


def test_xlsx_newer_format_version(tmp_path: Path) -> None:
    path = saved(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["Codebook"]["B2"] = FORMAT_VERSION + 1
    wb.save(path)
    [p] = xlsx_problems(path)
    assert (p.sheet, p.line, p.column) == ("Codebook", 2, "value")
    assert "made by a newer UPR Coder" in p.message


def test_xlsx_garbage_file(tmp_path: Path) -> None:
    path = tmp_path / "garbage.xlsx"
    path.write_bytes(b"this is not a workbook\n" * 50)
    [p] = xlsx_problems(path)
    assert p.message.startswith("garbage.xlsx: not an Excel .xlsx workbook")


def test_xlsx_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "zip.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    [p] = xlsx_problems(path)
    assert p.message.startswith("zip.xlsx: not an Excel .xlsx workbook")


def test_xlsx_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    [p] = xlsx_problems(path)
    assert p.message == "empty.xlsx: the file is empty (expected an Excel .xlsx workbook)"


def test_xlsx_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CodebookError, match="cannot read the file"):
        load_xlsx(tmp_path / "nowhere.xlsx")


# --------------------------------------------------------------------------- property

KEYS = st.from_regex(r"[a-z0-9_.-]{1,10}", fullmatch=True)
CHARS = st.characters(
    exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff"
) | st.sampled_from("\t\n\r=+-@_x0D;# :'\"")
TEXT = st.text(CHARS, max_size=150) | st.sampled_from(
    ['=HYPERLINK("x")', "\r", "\r\n", "_x000D_", "_x0041_x0042_", " a ", "yes", "1", "~"]
)
LABEL = TEXT.filter(lambda s: s.strip() != "")
KEYWORD = (
    st.text(st.characters(exclude_categories=("Cs", "Cc"), exclude_characters=";\ufffe\uffff"))
    .map(str.strip)
    .filter(bool)
)
COLOUR = st.from_regex(r"#[0-9a-fA-F]{6}", fullmatch=True)
SHORTCUTS = [
    *"abcdefghijklmnopqrstuvwxyz0123456789",
    *(f"Alt+{i}" for i in range(10)),
    "Ctrl+Shift+x",
    "Ctrl+Alt+Shift+Meta+F5",
    "F1",
    "Meta+/",
    "Shift+-",
]


@st.composite
def codebooks(draw: st.DrawFn) -> Codebook:
    shortcuts = iter(draw(st.permutations(SHORTCUTS)))
    field_keys = draw(st.lists(KEYS, min_size=1, max_size=4, unique=True))
    fields = []
    for fkey in field_keys:
        kind = draw(st.sampled_from(FIELD_KINDS))
        codes: list[Code] = []
        if kind in ("multi", "single", "ordinal"):
            n = draw(st.integers(1, 5))
            if kind == "ordinal":
                start = draw(st.integers(-2, 3))
                keys = [str(start + i) for i in range(n)]
            else:
                keys = draw(st.lists(KEYS, min_size=n, max_size=n, unique=True))
            for i, key in enumerate(keys):
                parent = None
                if kind == "multi" and i and draw(st.booleans()):
                    parent = draw(st.sampled_from(keys[:i]))
                codes.append(
                    Code(
                        key=key,
                        label=draw(LABEL),
                        definition=draw(TEXT),
                        include=draw(TEXT),
                        exclude=draw(TEXT),
                        example=draw(TEXT),
                        parent=parent,
                        shortcut=next(shortcuts) if draw(st.booleans()) else None,
                        colour=draw(st.none() | COLOUR),
                        retired=draw(st.booleans()),
                        keywords=draw(st.lists(KEYWORD, max_size=3)),
                    )
                )
        fields.append(
            Field(
                key=fkey,
                label=draw(LABEL),
                kind=kind,
                description=draw(TEXT),
                required=draw(st.booleans()),
                codes=codes,
            )
        )
    return Codebook(
        name=draw(LABEL),
        version=draw(st.integers(1, 10**6)),
        description=draw(TEXT),
        fields=fields,
    )


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(cb=codebooks())
def test_property_valid_codebooks_round_trip_through_yaml_and_xlsx(
    cb: Codebook, tmp_path_factory: pytest.TempPathFactory
) -> None:
    assert validate(cb) == []
    text = dump_yaml(cb)
    assert load_yaml(text) == cb
    assert from_dict(yaml.safe_load(text)) == cb
    path = tmp_path_factory.mktemp("prop") / "cb.xlsx"
    save_xlsx(cb, path)
    assert load_xlsx(path) == cb
