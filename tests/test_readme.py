"""The README stays true: its commands run as written from the repository root, the output it
shows is what they print, and every command and flag is documented.

Every `nneq` line of the README's ```sh and ```console blocks runs, in the order the README
gives them, in one scratch copy of the repository's examples (so files a command writes are
there for the next one, as for a reader following along). Lines of other programs (pip,
pytest, ruff, python) are the development workflow and CI's business, not run here. A line
whose comment says what it needs that a test machine lacks (`# needs a Dask cluster`) is
skipped. Under a ```console line `$ nneq …`, the lines up to the next `$` are the output it
must print; `…` stands for any text within a line, and a line of its own for any lines.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from nneq.cli.app import COMMANDS, app

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"^```(sh|console)\n(.*?)^```", re.S | re.M)
COMMENT = re.compile(r"\s+#\s.*$")  # a comment after a command ('#' inside a link has no space)


def _commands() -> list[tuple[str, str | None]]:
    """Every nneq command of the README in order, with the output shown for it, if any."""
    found: list[tuple[str, str | None]] = []
    for kind, body in BLOCK.findall(README):
        lines = body.splitlines()
        if kind == "sh":
            for line in lines:
                found.append((line, None))
            continue
        k = 0
        while k < len(lines):
            if lines[k].startswith("$ "):
                output = []
                j = k + 1
                while j < len(lines) and not lines[j].startswith("$ "):
                    output.append(lines[j])
                    j += 1
                found.append((lines[k][2:], "\n".join(output)))
                k = j
            else:
                k += 1
    runnable = []
    for line, output in found:
        comment = line[COMMENT.search(line).start():] if COMMENT.search(line) else ""
        command = COMMENT.sub("", line).strip()
        if command.split(" ", 1)[0] == "nneq" and "needs" not in comment:
            runnable.append((command, output))
    return runnable


def _pattern(shown: str) -> re.Pattern[str]:
    """The output shown, as a pattern: '…' is any text, a line of '…' alone any lines."""
    parts = []
    for line in shown.rstrip("\n").splitlines():
        if line.strip() == "…":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*".join(re.escape(piece) for piece in line.rstrip().split("…")) + r"\n")
    return re.compile("".join(parts))


def test_the_readme_shows_commands_and_output():
    commands = _commands()
    assert len(commands) > 30
    assert sum(output is not None for _, output in commands) >= 4


def test_every_command_in_the_readme_runs_as_written(tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "nneq").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m nneq "$@"\n')
    (shim / "nneq").chmod(0o755)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}",
           "COLUMNS": "100"}
    failures = []
    for command, shown in _commands():
        done = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=900)
        if done.returncode != 0:
            failures.append(f"{command}\n  exit {done.returncode}: {done.stderr.strip()[-400:]}")
            continue
        if shown is not None:
            printed = "\n".join(line.rstrip() for line in done.stdout.splitlines()) + "\n"
            if not _pattern(shown).fullmatch(printed):
                failures.append(f"{command}\n  printed:\n{printed}\n  README shows:\n{shown}")
    assert not failures, "\n\n".join(failures)


def test_each_run_file_the_readme_shows_is_the_file_it_names():
    """A ```toml block after a sentence naming `….toml` holds that file's settings."""
    import tomllib

    shown = 0
    for match in re.finditer(r"((?:[^\n]+\n)+)\n```toml\n(.*?)```", README, re.S):
        named = re.findall(r"`([\w./-]+\.toml)`", match.group(1))
        if named:
            assert tomllib.loads(match.group(2)) == tomllib.loads(
                (ROOT / named[-1]).read_text(encoding="utf-8")), named[-1]
            shown += 1
    assert shown >= 2


def _sections() -> dict[str, str]:
    """Each `### \\`nneq NAME\\`` section of the README, by command name."""
    parts = re.split(r"^### `nneq ([a-z-]+)`\n", README, flags=re.M)
    return {parts[k]: parts[k + 1].split("\n## ")[0] for k in range(1, len(parts), 2)}


def _mentions(text: str, flag: str) -> bool:
    """Whether `text` names `flag` as code: `--flag`, `--flag VALUE` or `nneq … --flag`."""
    return re.search(r"`[^`\n]*" + re.escape(flag) + r"(?![\w-])[^`\n]*`", text) is not None


def test_every_command_and_flag_is_in_the_readme():
    group = typer.main.get_command(app)
    sections = _sections()
    train = sections.get("train", "")
    missing = []
    for name in COMMANDS:
        command = group.get_command(None, name)  # type: ignore[attr-defined]
        if name not in sections:
            missing.append(f"a section ### `nneq {name}`")
            continue
        for param in command.params:
            for flag in param.opts:
                if not flag.startswith("--"):
                    continue
                # the training settings sweep shares with train are documented once, under train
                if not (_mentions(sections[name], flag) or _mentions(train, flag)):
                    missing.append(f"nneq {name} {flag}")
    for param in group.params:
        for flag in param.opts:
            if flag.startswith("--") and not _mentions(README, flag):
                missing.append(f"nneq {flag}")
    assert not missing, missing


@pytest.mark.parametrize("name", ["-h", "--version", "--install-completion"])
def test_the_conventions_are_documented(name):
    assert f"`{name}`" in README or f"`nneq {name}`" in README
