"""The artifact finder and editor, ported from LibreChat: cases from its update.spec.js."""

from __future__ import annotations

from domain.conversations.artifacts import (
    ARTIFACT_END,
    ARTIFACT_START,
    Artifact,
    find_all,
    replace,
    unescape_latex,
)

FENCE = "```"


def _artifact(
    content: str = "", wrap: bool = True, closed: bool = True, prefix: str = "", suffix: str = ""
) -> str:
    block = f"{FENCE}\n{content}\n{FENCE}" if wrap else content
    end = f"\n{ARTIFACT_END}" if closed else ""
    return f"{ARTIFACT_START}{prefix}\n{block}{end}{suffix}"


def _whole(text: str) -> Artifact:
    return Artifact(0, len(text), "text", text)


def test_finds_artifacts_in_parts_else_in_the_text() -> None:
    assert find_all("", [{"type": "text", "text": "No artifacts here"}]) == []
    parts = [{"type": "text", "text": _artifact("one")}, {"type": "text", "text": _artifact("b")}]
    found = find_all("", parts)
    assert [(a.source, a.part_index) for a in found] == [("content", 0), ("content", 1)]
    text = "\n".join([_artifact("text1"), _artifact("text2")])
    assert [a.source for a in find_all(text, None)] == ["text", "text"]
    unclosed = _artifact("unclosed", closed=False)
    assert find_all(unclosed, None)[0].end == len(unclosed)
    both = "\n".join([_artifact("first"), _artifact("second")])
    first, second = find_all("", [{"type": "text", "text": both}])
    assert second.start > first.end


def test_close_markers_inside_fences_do_not_end_an_artifact() -> None:
    body = (
        f'{ARTIFACT_START}{{identifier="markdown" type="text/markdown" title="Markdown"}}\n'
        f"{FENCE}markdown\nbefore\n:::\nafter\n{FENCE}\n{ARTIFACT_END}"
    )
    found = find_all(f"{body}\ntrailer", None)
    assert len(found) == 1 and found[0].end == len(body)
    trailing = f"{ARTIFACT_START}{{x}}\ncontent\n{ARTIFACT_END}Thanks for reading"
    text = f"{trailing}\n{_artifact('next')}"
    found = find_all(text, None)
    assert len(found) == 2 and text[found[0].end : found[0].end + 18] == "Thanks for reading"
    first = f"{ARTIFACT_START}{{first}}\n{FENCE}html\n<div>first</div>\n{ARTIFACT_END}"
    second = _artifact("<div>second</div>", wrap=False, prefix="{second}")
    found = find_all(f"{first}\n{second}", None)
    assert [a.end for a in found][:1] == [len(first)] and found[1].start == len(first) + 1


def test_replace_within_the_artifact_only() -> None:
    text = _artifact("console.log('hello')")
    result = replace(_whole(text), "console.log('hello')", "console.log('updated')")
    assert result is not None and "console.log('updated')" in result
    assert result.startswith(ARTIFACT_START) and result.endswith(ARTIFACT_END)
    assert replace(_whole(_artifact("function test() {}")), "missing", "updated") is None
    plain = f"{ARTIFACT_START}\nconsole.log(1)\n{ARTIFACT_END}"
    assert replace(_whole(plain), "console.log(1)", "console.log(2)") == (
        f"{ARTIFACT_START}\nconsole.log(2)\n{ARTIFACT_END}"
    )
    framed = f"prefix\n{_artifact('original')}\nsuffix"
    (inner,) = find_all(framed, None)
    edited = replace(inner, "original", "updated")
    assert edited is not None and edited.startswith("prefix\n") and edited.endswith("\nsuffix")
    assert "updated" in edited and "original" not in edited


def test_unescape_latex_restores_dollar_signs() -> None:
    assert unescape_latex("costs \\$14 or \\\\$15") == "costs $14 or $15"
    assert unescape_latex("$$\\\\ce{H2O}$$") == "$\\ce{H2O}$"
