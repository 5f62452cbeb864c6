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


def test_the_temporary_file_is_named_for_the_leftover_sweep_and_has_ordinary_permissions(
        tmp_path):
    from nneq.storage.files import remove_leftovers

    target = tmp_path / "model.json"
    umask = os.umask(0o027)
    try:
        with atomic_path(target) as temp:
            assert temp.parent == tmp_path and temp.name.startswith(f".model.json.{os.getpid()}.")
            assert stat.S_IMODE(temp.stat().st_mode) == 0o640  # 0666 less the umask
            temp.write_text("x")
            dead = temp.with_name(temp.name.replace(f".{os.getpid()}.", ".999999999."))
            os.link(temp, dead)  # as a killed writer would have left it
        assert remove_leftovers(target) == [dead]
    finally:
        os.umask(umask)
    assert target.read_text() == "x"


def test_a_run_file_with_a_byte_order_mark_is_read(tmp_path):
    """Some editors begin UTF-8 files with a byte-order mark; TOML itself does not allow it."""
    from nneq.storage.runfile import read_run_file, resolve_config

    path = tmp_path / "run.toml"
    path.write_bytes(b'\xef\xbb\xbfdataset = "xor"\nshape = [2]\n')
    config = resolve_config(run_file=read_run_file(path))
    assert (config.dataset, config.shape) == ("xor", (2,))
