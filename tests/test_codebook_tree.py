"""The code tree of a field: children, siblings, descendants, depth and preorder."""

from __future__ import annotations

import dataclasses

import pytest

from annotator.codebook import CODE_ATTRIBUTES, FIELD_ATTRIBUTES, Code, Field, builtin_codebook


def _field(*pairs: tuple[str, str | None]) -> Field:
    return Field(
        "themes", "Themes", "multi", codes=[Code(k, k.title(), parent=p) for k, p in pairs]
    )


TREE = (
    ("rights", None),
    ("women", "rights"),
    ("girls", "women"),
    ("child", "rights"),
    ("justice", None),
    ("torture", "justice"),
)


def keys(codes: list[Code]) -> list[str]:
    return [c.key for c in codes]


def test_children_in_their_order():
    fld = _field(*TREE)
    assert keys(fld.children()) == ["rights", "justice"]
    assert keys(fld.children("rights")) == ["women", "child"]
    assert fld.children("girls") == []


def test_siblings_include_the_code_itself():
    fld = _field(*TREE)
    assert keys(fld.siblings("child")) == ["women", "child"]
    assert keys(fld.siblings("justice")) == ["rights", "justice"]
    with pytest.raises(KeyError):
        fld.siblings("nothing")


def test_descendants_reach_every_level():
    fld = _field(*TREE)
    assert set(keys(fld.descendants("rights"))) == {"women", "girls", "child"}
    assert fld.descendants("torture") == []


def test_depth_and_ancestors():
    fld = _field(*TREE)
    assert [fld.depth(k) for k, _ in TREE] == [0, 1, 2, 1, 0, 1]
    assert keys(fld.ancestors("girls")) == ["women", "rights"]
    assert fld.ancestors("justice") == []


def test_preorder_puts_children_right_after_their_parent():
    fld = _field(("girls", "women"), ("justice", None), ("women", "rights"), ("rights", None))
    assert keys(fld.preorder()) == ["justice", "rights", "women", "girls"]


def test_a_broken_tree_can_still_be_walked():
    # validation refuses these; the walks must neither loop nor lose a code
    fld = _field(("a", "b"), ("b", "a"), ("c", "c"), ("d", "missing"), ("e", None))
    assert sorted(keys(fld.preorder())) == ["a", "b", "c", "d", "e"]
    assert keys(fld.preorder())[:3] == ["c", "d", "e"]  # self-parent and orphan: top level
    assert keys(fld.descendants("a")) == ["b"]
    assert fld.depth("c") == 0 and fld.depth("d") == 0
    assert fld.depth("a") == 1  # once round the cycle
    assert keys(fld.ancestors("a")) == ["b"]


def test_the_builtin_codebook_tree():
    themes = builtin_codebook().field("themes")
    assert len(themes.preorder()) == len(themes.codes)
    for code in themes.codes:
        assert themes.depth(code.key) == (
            0 if code.parent is None else themes.depth(code.parent) + 1
        )
        if code.parent:
            assert code in themes.children(code.parent)


def test_attribute_lists_follow_the_dataclasses_and_ids_do_not_count():
    assert CODE_ATTRIBUTES[:2] == ("key", "label") and "id" not in CODE_ATTRIBUTES
    assert FIELD_ATTRIBUTES == ("key", "label", "kind", "description", "required")
    a = Code("x", "X", id=1, parent_id=None)
    assert a == dataclasses.replace(a, id=2)  # the same code in two projects
    assert not _field(*TREE).code("rights").id
