"""Atomic writes: whole files or nothing, links followed, devices left in place."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from nneq.errors import NneqError
from nneq.storage.files import atomic_path, check_writable, read_text, write_text


def test_write_replaces_whole_file(tmp_path):
    target = tmp_path / "a.txt"
    write_text(target, "old")
    write_text(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_failure_inside_the_block_leaves_the_old_file(tmp_path):
    target = tmp_path / "a.txt"
    write_text(target, "old")
    def crash() -> None:
        with atomic_path(target) as temp:
            temp.write_text("half")
            raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        crash()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_a_symbolic_link_is_followed_and_kept(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_text(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"


def test_a_device_is_written_to_not_replaced():
    write_text("/dev/null", "discarded")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_unwritable_places_are_refused_before_work(tmp_path):
    with pytest.raises(NneqError, match="it is a folder"):
        check_writable(tmp_path)
    with pytest.raises(NneqError, match="does not exist"):
        check_writable(tmp_path / "no" / "x.json")
    with pytest.raises(NneqError, match="empty output path"):
        check_writable("")


def test_read_text_names_the_file(tmp_path):
    with pytest.raises(NneqError, match=r"missing\.txt: no such file"):
        read_text(tmp_path / "missing.txt")
    with pytest.raises(NneqError, match="cannot read it"):
        read_text(tmp_path)
    (tmp_path / "bin").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(NneqError, match="cannot read it"):
        read_text(Path(tmp_path / "bin"))
