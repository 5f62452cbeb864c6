"""What the commands read and write: no input is ever overwritten, odd files are refused.

Every case runs through the command where it arises and checks the contract for a refusal:
exit code 2, one line on stderr, no traceback, and every file as it was.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nneq
from nneq.cli import app
from nneq.storage import files

runner = CliRunner()
ROOT = Path(__file__).parent.parent
POST = ROOT / "examples" / "post"
RUN = 'dataset = "xor"\nshape = [2]\nseed = "0.7"\nepochs = 5\n'
TABLE = "| First Hidden Layer | Equation |\n| --- | --- |\n| h11 | x1w1 - x2w2 |\n| h12 | x1w1 |\n"


pytestmark = pytest.mark.usefixtures("in_tmp")  # every test in its own folder


@pytest.fixture
def model(tmp_path) -> Path:
    path = tmp_path / "m.json"
    nneq.save(nneq.train(nneq.Config(dataset="xor", shape=(2,), seed="m"), epochs=3), path)
    return path


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file under `folder` and its bytes (None for folders, pipes and links)."""
    found: dict[str, bytes | None] = {}
    for path in sorted(folder.rglob("*")):
        kind = path.lstat().st_mode
        found[str(path.relative_to(folder))] = (path.read_bytes() if stat.S_ISREG(kind)
                                                else None)
    return found


def refused(args: list[str], *words: str) -> str:
    """Run `nneq args`; check exit 2 and one line without a traceback naming `words`."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nneq: "), result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def refused_and_untouched(folder: Path, args: list[str], *words: str) -> str:
    before = snapshot(folder)
    line = refused(args, *words)
    assert snapshot(folder) == before
    return line


# --- 1. report never writes over its inputs ------------------------------------------------


def test_report_beside_its_run_file_and_tables_keeps_the_tables(in_tmp):
    for name in ("exp07.toml", "exp07.md"):
        shutil.copy(POST / name, in_tmp / name)
    refused_and_untouched(in_tmp, ["report", "exp07.toml", "--out-dir", "."],
                          "exp07.md", "predicted tables", "--out-dir")


def test_a_run_file_not_named_toml_is_not_replaced_by_its_page(in_tmp):
    Path("self").mkdir()
    Path("self/run.md").write_text(RUN)
    refused_and_untouched(in_tmp, ["report", "self/run.md", "--out-dir", "self"], "run file")
    Path("self/run.json").write_text(RUN)  # nor by its model
    refused_and_untouched(in_tmp, ["report", "self/run.json", "--out-dir", "self"], "run file")


def test_report_outputs_reached_through_a_link_are_refused_too(in_tmp):
    Path("tables.md").write_text(TABLE)
    Path("run.toml").write_text(RUN + 'predicted = "tables.md"\n')
    Path("out").mkdir()
    os.symlink(in_tmp / "tables.md", "out/run.md")
    refused_and_untouched(in_tmp, ["report", "run.toml", "--out-dir", "out"], "predicted tables")
    os.unlink("out/run.md")
    os.link("tables.md", "out/run.md")  # a hard link: the same file under another name
    refused_and_untouched(in_tmp, ["report", "run.toml", "--out-dir", "out"], "predicted tables")


def test_report_into_an_empty_folder_name_is_refused(in_tmp):
    Path("run.toml").write_text(RUN)
    refused_and_untouched(in_tmp, ["report", "run.toml", "--out-dir", ""], "--out-dir", "empty")


# --- 2. an output is never one of the inputs -----------------------------------------------


def test_train_out_equal_to_config_is_refused(in_tmp):
    Path("run.toml").write_text(RUN)
    refused_and_untouched(in_tmp, ["train", "--config", "run.toml", "--out", "run.toml"],
                          "--out run.toml", "--config run.toml")
    os.symlink("run.toml", "link.toml")
    refused_and_untouched(in_tmp, ["train", "--config", "link.toml", "--out", "run.toml"],
                          "--config link.toml")
    os.link("run.toml", "hard.toml")
    refused_and_untouched(in_tmp, ["train", "--config", "run.toml", "--out", "hard.toml"],
                          "--out hard.toml")
    refused_and_untouched(in_tmp, ["train", "--config", "run.toml", "--out", "./sub/../run.toml"],
                          "--config")


def test_sweep_outputs_equal_to_its_inputs_are_refused(in_tmp):
    Path("p.md").write_text(TABLE)
    Path("run.toml").write_text(RUN)
    base = ["sweep", "--seeds", "2", "--epochs", "1", "--seed", "s", "-q"]
    refused_and_untouched(in_tmp, [*base, "--predicted", "p.md", "--out", "p.md"], "--predicted")
    refused_and_untouched(in_tmp, [*base, "--config", "run.toml", "--out", "run.toml"], "--config")
    # --save-models writes s-1.json and s-2.json: one of them is the run file.
    Path("s-2.json").write_text(RUN)
    refused_and_untouched(in_tmp, [*base, "--config", "s-2.json", "--save-models", "."],
                          "--save-models", "s-2.json")
    refused_and_untouched(in_tmp, [*base, "--out", "s-1.json", "--save-models", "."],
                          "--out s-1.json")


def test_plot_never_draws_over_its_model(in_tmp, model):
    shutil.copy(model, "m.png")  # a model file named .png: the default picture is itself
    refused_and_untouched(in_tmp, ["plot", "m.png"], "m.png", "MODEL")
    os.symlink("m.json", "pic.png")
    refused_and_untouched(in_tmp, ["plot", "m.json", "--out", "pic.png"], "--out pic.png")


# --- 7. paths ------------------------------------------------------------------------------


@pytest.mark.parametrize("given", [".", "/", ""])
def test_plot_of_a_folder_or_nothing_is_refused(in_tmp, given):
    refused_and_untouched(in_tmp, ["plot", given])


LONG = "a" * 300


@pytest.mark.parametrize("args", [
    ["train", "--epochs", "1", "--out", f"{LONG}.json"],
    ["plot", "m.json", "--out", f"{LONG}.png"],
    ["sweep", "--seeds", "2", "--epochs", "1", "--out", f"{LONG}.json"],
    ["sweep", "--seeds", "2", "--epochs", "1", "--save-models", LONG],
    ["report", "run.toml", "--out-dir", LONG],
    ["report", "run.toml", "--out-dir", f"{LONG}/deeper"],
    ["equations", f"{LONG}.json"],
    ["train", "--config", f"{LONG}.toml"],
], ids=lambda args: " ".join(a[:12] for a in args[:3]))
def test_a_file_name_over_255_bytes_is_refused(in_tmp, model, args):
    Path("run.toml").write_text(RUN)
    refused_and_untouched(in_tmp, args, "too long")


def test_a_name_of_250_bytes_can_still_be_written(in_tmp, model):
    name = "b" * 245 + ".json"  # its temporary name beside it must stay under 255 bytes too
    result = runner.invoke(app, ["train", "--epochs", "1", "--seed", "x", "--out", name])
    assert result.exit_code == 0, result.output
    assert nneq.load(name).epochs == 1


def test_a_symbolic_link_loop_is_refused(in_tmp, model):
    os.symlink("loop", "loop")
    refused_and_untouched(in_tmp, ["sweep", "--seeds", "2", "--epochs", "1", "--save-models",
                                   "loop"], "loop", "symbolic links")
    refused_and_untouched(in_tmp, ["train", "--epochs", "1", "--out", "loop"], "symbolic links")
    refused_and_untouched(in_tmp, ["equations", "loop"], "symbolic links")
    refused_and_untouched(in_tmp, ["report", "loop", "--out-dir", "r"], "symbolic links")


def test_a_parent_folder_without_search_permission_is_refused(in_tmp, model, monkeypatch):
    Path("locked/inside").mkdir(parents=True)
    shutil.copy(model, "locked/inside/m.json")
    Path("locked/run.toml").write_text(RUN)
    if os.geteuid() == 0:
        # Root may enter any folder: the system's answer to anyone else is given instead.
        real_stat, real_open = os.stat, os.open

        def deny(real):
            def call(path, *args, **kwargs):
                if "locked/" in os.fspath(path):
                    raise PermissionError(13, "Permission denied", os.fspath(path))
                return real(path, *args, **kwargs)
            return call

        monkeypatch.setattr(os, "stat", deny(real_stat))
        monkeypatch.setattr(os, "open", deny(real_open))
    else:
        Path("locked").chmod(0o600)  # readable and writable, but cannot be entered
    try:
        for args in (["train", "--epochs", "1", "--out", "locked/inside/new.json"],
                     ["equations", "locked/inside/m.json"],
                     ["report", "locked/run.toml", "--out-dir", "r"],
                     ["sweep", "--seeds", "2", "--epochs", "1", "--save-models",
                      "locked/inside/x"]):
            refused(args, "permission denied")
    finally:
        Path("locked").chmod(0o700)
    assert not Path("r").exists()


# --- 10. pipes and other files that are not regular ----------------------------------------


@pytest.fixture
def fifo(in_tmp) -> str:
    os.mkfifo("f.json")
    return "f.json"


@pytest.mark.parametrize("args", [
    ["equations", "{f}"], ["url", "{f}"], ["plot", "{f}"], ["compare", "{f}", "m.json"],
    ["compare", "t.md", "{f}"], ["train", "--config", "{f}"],
    ["sweep", "--predicted", "{f}", "--seeds", "2", "--epochs", "1"], ["report", "{f}"],
    ["report", "p.toml"],
], ids=lambda args: " ".join(args[:2]))
def test_a_named_pipe_as_input_is_refused_not_waited_on(in_tmp, model, fifo, args):
    Path("t.md").write_text(TABLE)
    Path("p.toml").write_text(RUN + f'predicted = "{fifo}"\n')
    refused([a.format(f=fifo) for a in args], "named pipe")


@pytest.mark.parametrize("args", [
    ["train", "--epochs", "1", "--out", "{f}"],
    ["plot", "m.json", "--out", "{f}.png"],
    ["sweep", "--seeds", "2", "--epochs", "1", "--out", "{f}"],
], ids=lambda args: args[0])
def test_a_named_pipe_as_output_is_refused(in_tmp, model, fifo, args):
    os.mkfifo(f"{fifo}.png")
    refused([a.format(f=fifo) for a in args], "named pipe")


def test_a_device_may_be_written_to(in_tmp):
    result = runner.invoke(app, ["train", "--epochs", "1", "--seed", "d", "--out", "/dev/null"])
    assert result.exit_code == 0, result.output


# --- 11. a size limit on everything read ---------------------------------------------------


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
@pytest.mark.parametrize("args", [
    ["equations", "{d}"], ["compare", "{d}", "m.json"], ["compare", "t.md", "{d}"],
    ["train", "--config", "{d}"], ["sweep", "--predicted", "{d}"], ["report", "{d}"],
], ids=lambda args: " ".join(args[:2]))
def test_endless_devices_are_refused(in_tmp, model, device, args):
    Path("t.md").write_text(TABLE)
    refused([a.format(d=device) for a in args], "device")


def test_inputs_over_the_limit_are_refused_before_being_read(in_tmp, model, monkeypatch):
    monkeypatch.setattr(files, "MAX_TEXT_BYTES", 1000)
    big = "prose\n" * 200 + TABLE  # a table at the end of a long file
    Path("big.md").write_text(big)
    Path("big.toml").write_text("# " + "x" * 2000 + "\n" + RUN)
    reads = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    for args in (["train", "--config", "big.toml"],
                 ["report", "big.toml"],
                 ["sweep", "--predicted", "big.md", "--seeds", "2", "--epochs", "1"]):
        reads.clear()
        refused(args, "more than the 1000 bytes nneq reads")
        assert reads == []  # refused from the size alone


def test_model_files_have_their_own_larger_limit(model, monkeypatch):
    monkeypatch.setattr(files, "MAX_TEXT_BYTES", 10)
    assert nneq.load(model).epochs == 3


# --- 19. leftovers -------------------------------------------------------------------------


def dead_pid() -> int:
    """The id of a process that has ended."""
    import subprocess
    import sys

    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


@pytest.mark.parametrize(("args", "target"), [
    (["train", "--epochs", "1", "--seed", "t", "--out", "m.json"], "m.json"),
    (["plot", "m.json", "--out", "m.png", "--dpi", "20"], "m.png"),
    (["sweep", "--seeds", "2", "--epochs", "1", "--out", "s.json"], "s.json"),
], ids=lambda x: x[0] if isinstance(x, list) else x)
def test_leftovers_of_a_killed_write_are_removed_by_the_next_write(in_tmp, model, args, target):
    suffix = Path(target).suffix
    stale = [Path(f".{target}.{dead_pid()}.abcd_fgh{suffix}"),
             Path(f".{target}.{dead_pid()}.12345678{suffix}")]
    for path in stale:
        path.write_text("half a file")
    running = Path(f".{target}.{os.getppid()}.abcdefgh{suffix}")  # a writer still at work
    others = [Path(f".other{suffix}.{dead_pid()}.abcdefgh{suffix}"),  # another file's
              Path(f".{target}.notes"), Path(f"{target}.{dead_pid()}.abcdefgh{suffix}")]
    for path in [running, *others]:
        path.write_text("not ours to remove")
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert not any(path.exists() for path in stale)
    assert all(path.read_text() == "not ours to remove" for path in [running, *others])


def test_a_failed_save_of_sweep_models_leaves_no_empty_folder(in_tmp, monkeypatch):
    def disk_full(*args: object, **kwargs: object) -> None:
        raise nneq.NneqError("cannot write new/deep/s-1.json: no space left on the device")

    monkeypatch.setattr("nneq.storage.modelfile.save", disk_full)
    refused(["sweep", "--seeds", "2", "--epochs", "1", "--seed", "s", "--save-models",
             "new/deep"], "no space")
    assert sorted(p.name for p in in_tmp.iterdir()) == []


def test_a_failed_report_leaves_no_empty_folder(in_tmp, monkeypatch):
    Path("run.toml").write_text(RUN)
    Path("kept").mkdir()

    def disk_full(*args: object, **kwargs: object) -> None:
        raise nneq.NneqError("cannot write: no space left on the device")

    monkeypatch.setattr("nneq.pages.report.train", disk_full)
    refused(["report", "run.toml", "--out-dir", "new/deep"], "no space")
    refused(["report", "run.toml", "--out-dir", "kept/new"], "no space")
    assert sorted(str(p.relative_to(in_tmp)) for p in in_tmp.rglob("*")) == ["kept", "run.toml"]


def test_report_copies_never_replace_another_input(in_tmp):
    Path("t.md").write_text(TABLE)
    Path("a.toml").write_text(RUN + 'predicted = "t.md"\n')
    Path("out/runs").mkdir(parents=True)
    Path("out/runs/t.md").write_text(RUN)  # a second run file, where a.toml's tables are copied
    refused_and_untouched(in_tmp, ["report", "a.toml", "out/runs/t.md", "--out-dir", "out"],
                          "the copy", "out/runs/t.md")


STUDY = 'dataset = "gauss"\nseed = "st"\nseeds = 2\nepochs = 2\n[vary]\nnoise = [0, 25]\n'


def test_study_outputs_equal_to_the_study_file_or_each_other_are_refused(in_tmp):
    Path("s.toml").write_text(STUDY)
    refused_and_untouched(in_tmp, ["study", "s.toml", "--out", "s.toml"], "--out", "STUDY")
    refused_and_untouched(in_tmp, ["study", "s.toml", "--page", "s.toml"], "--page", "STUDY")
    refused_and_untouched(in_tmp, ["study", "s.toml", "--out", "r.md", "--page", "r.md"],
                          "--page r.md is also --out r.md")
