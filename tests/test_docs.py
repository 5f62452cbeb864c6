"""The specification in docs/playground.md: every section the code cites exists, and it
describes the reference files the tests read."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent
SPEC = ROOT / "docs" / "playground.md"
# A citation is the path followed by one or more section marks: "docs/playground.md §9 to §14".
CITATION = re.compile(r"docs/playground\.md((?:[\s,]*(?:and|to)?\s*§\d+)+)")


def _sections() -> set[int]:
    return {int(m) for m in re.findall(r"^## (\d+)\. ", SPEC.read_text(), flags=re.M)}


def _citations() -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for path in [*(ROOT / "nneq").rglob("*.py"), ROOT / "README.md", SPEC]:
        for match in CITATION.finditer(path.read_text(encoding="utf-8")):
            numbers = {int(n) for n in re.findall(r"§(\d+)", match.group(1))}
            found.setdefault(str(path.relative_to(ROOT)), set()).update(numbers)
    return found


def test_sections_are_numbered_in_order():
    numbers = sorted(_sections())
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) >= 10


def test_every_cited_section_exists():
    sections = _sections()
    citations = _citations()
    assert "nneq/playground/train.py" in citations  # the training core cites the spec
    missing = {path: numbers - sections for path, numbers in citations.items() if numbers - sections}
    assert missing == {}


def test_inline_section_marks_in_the_spec_exist():
    sections = _sections()
    marks = {int(n) for n in re.findall(r"§(\d+)", SPEC.read_text(encoding="utf-8"))}
    assert marks <= sections


def test_every_port_module_cites_the_spec():
    # The modules that carry one of the Playground's rules; the others (settings, model,
    # errors, snapshots) are nneq's own.
    port = [ROOT / "nneq" / "playground" / f"{name}.py"
            for name in ("rng", "datasets", "features", "network", "activations", "train", "link")]
    uncited = [p.name for p in port if "docs/playground.md" not in p.read_text(encoding="utf-8")]
    assert uncited == []


def test_the_old_spec_name_is_gone():
    for path in [*(ROOT / "nneq").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]:
        if path.name != "test_docs.py":
            assert "SEMANTICS" not in path.read_text(encoding="utf-8"), path


def test_the_spec_describes_every_reference_file():
    text = SPEC.read_text(encoding="utf-8")
    files = sorted(p.name for p in (ROOT / "tests" / "data").glob("v0*.json"))
    assert len(files) == 7
    assert [name for name in files if f"`{name}`" not in text] == []
    for key in ("hash", "state", "rng_first10", "train", "test", "snapshots", "notes"):
        assert f"`{key}`" in text, key
