"""Stops and exit codes: Ctrl-C, SIGTERM and SIGHUP at any moment, internal errors, closed pipes.

Processes are watched through what they write (a progress bar on a pseudo-terminal, a folder
appearing), never through fixed sleeps, so that the tests hold on a loaded machine.
"""

from __future__ import annotations

import errno
import json
import os
import pty
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nneq
from nneq.cli import app

from .conftest import read_until

ROOT = Path(__file__).parent.parent
runner = CliRunner()


pytestmark = pytest.mark.usefixtures("in_tmp")  # every test in its own folder


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "nneq", *args]


ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


class Training:
    """`nneq train` with stderr on a pseudo-terminal, so that its progress bar can be watched."""

    def __init__(self, *args: str) -> None:
        self.terminal, child = pty.openpty()
        self.process = subprocess.Popen(command("train", "--epochs", "1000000", *args),
                                        stdout=subprocess.PIPE, stderr=child, env=ENV, text=True)
        os.close(child)
        self.shown = ""

    def wait_for_epochs(self) -> None:
        """Until the bar has been drawn twice: epochs have finished."""
        self.shown += read_until(self.terminal, lambda t: t.count("\r") >= 2, timeout=180)
        assert self.shown.count("\r") >= 2, self.shown

    def finish(self) -> str:
        """Wait for the end; the lines written after the progress bar."""
        try:
            self.process.wait(timeout=180)
            rest = read_until(self.terminal, lambda t: False, timeout=2)
        finally:
            os.close(self.terminal)
            if self.process.poll() is None:
                self.process.kill()
            self.process.communicate()
        text = (self.shown + rest).replace("\r\n", "\n")  # a terminal ends lines with \r\n
        return text.split("\r")[-1].strip()  # after the bar's last drawing


def lines_of(err: str) -> list[str]:
    """The lines written, without a terminal's control sequences (a progress bar's)."""
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", err).replace("\r", "\n")
    return [line.strip() for line in plain.splitlines() if line.strip()]


# --- 4. SIGTERM and SIGHUP are treated as Ctrl-C -------------------------------------------


@pytest.mark.parametrize(("signum", "word"), [(signal.SIGTERM, "terminated"),
                                              (signal.SIGHUP, "hung up")])
def test_sigterm_and_sighup_save_the_training_like_ctrl_c(in_tmp, signum, word):
    run = Training("--out", "m.json")
    run.wait_for_epochs()
    run.process.send_signal(signum)
    err = run.finish()
    assert run.process.returncode == 128 + signum, err
    model = nneq.load(in_tmp / "m.json")
    assert model.epochs > 0
    assert lines_of(err)[-1] == f"nneq: {word}; saved the model as of epoch {model.epochs} to m.json"
    assert "Traceback" not in err
    assert sorted(p.name for p in in_tmp.iterdir()) == ["m.json"]


# --- 3. a second Ctrl-C during the save ----------------------------------------------------


BIG = ("--dataset", "xor", "--shape", ",".join(["100"] * 20), "--seed", "big")  # a slow save


def test_a_second_ctrl_c_right_after_the_first_still_saves(in_tmp):
    run = Training(*BIG, "--out", "m.json")
    run.wait_for_epochs()
    run.process.send_signal(signal.SIGINT)
    time.sleep(0.05)  # as a user pressing twice; whenever it lands, the save must complete
    run.process.send_signal(signal.SIGINT)
    err = run.finish()
    assert run.process.returncode == 130, err
    model = nneq.load(in_tmp / "m.json")
    said = lines_of(err)
    assert said[-1] == f"nneq: interrupted; saved the model as of epoch {model.epochs} to m.json"
    assert all(line == "nneq: interrupted: saving the model to m.json first; interrupt again to "
               "abandon it" for line in said[:-1]), said
    assert "Traceback" not in err
    assert sorted(p.name for p in in_tmp.iterdir()) == ["m.json"]


def test_a_third_ctrl_c_abandons_the_save_and_says_the_old_file_stayed(in_tmp):
    Path("m.json").write_text("the old file\n")
    run = Training(*BIG, "--out", "m.json")
    run.wait_for_epochs()
    for _ in range(3):
        run.process.send_signal(signal.SIGINT)
        time.sleep(0.05)
    err = run.finish()
    assert run.process.returncode == 130, err
    said = lines_of(err)
    assert "Traceback" not in err
    # The save takes about a second: the third stop usually lands during it, and abandons it.
    # On a machine slow enough to deliver it later, the save has completed; either way nneq
    # says which, and the file is whole.
    if said[-1].startswith("nneq: interrupted again"):
        assert said[-1] == ("nneq: interrupted again: the save was abandoned and the training "
                            "is lost; m.json was left as it was")
        assert Path("m.json").read_text() == "the old file\n"
    else:
        model = nneq.load("m.json")
        assert said[-1] == f"nneq: interrupted; saved the model as of epoch {model.epochs} to m.json"
    assert sorted(p.name for p in in_tmp.iterdir()) == ["m.json"]


# --- 9. Ctrl-C outside training and at start-up ---------------------------------------------


@pytest.fixture
def model(tmp_path) -> Path:
    path = tmp_path / "m.json"
    nneq.save(nneq.train(nneq.Config(dataset="xor", shape=(2,), seed="m"), epochs=3), path)
    return path


@pytest.mark.parametrize(("args", "where"), [
    (["equations", "m.json", "--format", "sympy", "--compose"], "nneq.explain.render.render"),
    (["compare", "t.md", "m.json"], "nneq.comparison.compare.compare"),
    (["plot", "m.json"], "nneq.picture.plot.save_plot"),
    (["url", "m.json"], "nneq.playground.link.to_link"),
], ids=lambda x: x[0] if isinstance(x, list) else "")
def test_ctrl_c_inside_any_command_gives_one_line_and_130(in_tmp, model, monkeypatch, args, where):
    Path("t.md").write_text("| First Hidden Layer | Equation |\n| --- | --- |\n| h11 | x1w1 |\n")

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(where, interrupted)
    result = runner.invoke(app, args)
    assert result.exit_code == 130, result.output
    assert result.output == "nneq: interrupted\n"
    assert sorted(p.name for p in in_tmp.iterdir()) == sorted({"m.json", "t.md"})


def before_nneq_ran(err: str) -> bool:
    """Whether a traceback comes from Python's own start-up, before nneq's entry point ran.

    Until `python -m nneq` (or the `nneq` executable) reaches nneq/__main__.py, Python is
    starting (its site module, runpy, importing the package `nneq`, which the library keeps
    free of signal handlers): a Ctrl-C there is Python's to report. From the entry point on,
    none may show a traceback.
    """
    frames = re.findall(r'File "([^"]+)", line \d+, in (\S+)', err)
    starting = [(f, where) for f, where in frames if f.endswith("nneq/__init__.py")
                or (f.endswith("nneq/__main__.py") and where == "<module>")]  # its own imports
    ours = [f for f, where in frames if "nneq" in Path(f).parts and (f, where) not in starting]
    return bool(frames) and not ours


@pytest.mark.parametrize("delay", [0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8])
def test_ctrl_c_at_start_up_never_shows_a_traceback(in_tmp, model, delay):
    process = subprocess.Popen(command("equations", "m.json"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=ENV, text=True)
    time.sleep(delay)  # not a wait for the process: every moment of its start must be safe
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    if "Traceback" in err:
        assert before_nneq_ran(err), err
    elif process.returncode == 0:  # it finished first
        assert "h11" in out and err == ""
    elif process.returncode == -signal.SIGINT:
        assert err == ""  # before Python had set its own handler: ended by the signal, silently
    else:
        assert process.returncode == 130, err
        assert err == "nneq: interrupted\n"


def test_a_report_stopped_before_writing_leaves_no_empty_folder(in_tmp):
    Path("run.toml").write_text('dataset = "spiral"\nshape = [8, 8]\nseed = "s"\n'
                                "epochs = 1000000\n")
    process = subprocess.Popen(command("report", "run.toml", "--out-dir", "new/deep"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, text=True)
    deadline = time.monotonic() + 180
    while not Path("new/deep").is_dir() and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 143, err
    assert err == "nneq: terminated; 0 of 1 pages written, index.md not updated\n"
    assert sorted(p.name for p in in_tmp.iterdir()) == ["run.toml"]


# --- a study on several workers --------------------------------------------------------------

SLOW_STUDY = ('dataset = "spiral"\nshape = [8, 8]\nseed = "s"\nseeds = 2\nepochs = 2000\n'
              "[vary]\nnoise = [0, 5, 10, 15, 20, 25, 30, 35, 40, 45]\n")


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`, as /proc lists them."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # ended meanwhile
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    """Whether `pid` is a process that has not ended (a zombie has)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def cells_in(path: Path) -> int:
    try:
        return len(json.loads(path.read_text())["cells"])
    except (OSError, ValueError, KeyError):
        return 0


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="lists processes through /proc")
@pytest.mark.parametrize(("signum", "word"), [(signal.SIGINT, "interrupted"),
                                              (signal.SIGTERM, "terminated")])
def test_a_study_on_several_workers_stops_like_one_on_a_single_worker(in_tmp, signum, word):
    Path("s.toml").write_text(SLOW_STUDY)
    process = subprocess.Popen(command("study", "s.toml", "--out", "o.json", "--workers", "2",
                                       "-q"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=ENV, text=True)
    deadline = time.monotonic() + 180
    while cells_in(Path("o.json")) < 1 and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    workers = children(process.pid)
    assert len(workers) >= 2, workers
    process.send_signal(signum)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 128 + signum, err
    assert err == f"nneq: {word}; the cells done are in o.json: run again to resume\n"
    assert out == ""
    gone = time.monotonic() + 10  # orphans are reaped by init, a moment after
    while any(running(pid) for pid in workers) and time.monotonic() < gone:
        time.sleep(0.05)
    assert not [pid for pid in workers if running(pid)]
    saved = json.loads(Path("o.json").read_text())
    assert saved["complete"] is False and 1 <= len(saved["cells"]) < 10


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="lists processes through /proc")
def test_a_stop_while_a_studys_workers_start_stops_them_too(in_tmp):
    """Here the stop comes from the first worker as it starts: it is held until the pool is
    up, then stops the study and every worker, as a stop later on does."""
    Path("s.toml").write_text(SLOW_STUDY)
    script = ("import os, signal, sys\n"
              "from nneq.studies import execution\n"
              "def started():\n"
              "    print(os.getpid(), file=sys.stderr, flush=True)\n"
              "    os.kill(os.getppid(), signal.SIGINT)\n"
              "execution._nothing = started\n"
              "sys.argv = ['nneq', 'study', 's.toml', '--out', 'o.json', '--workers', '2', '-q']\n"
              "from nneq.cli import main\n"
              "main()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=ENV, timeout=120)
    worker, line = done.stderr.splitlines()
    assert done.returncode == 130 and line.startswith("nneq: interrupted"), done.stderr
    gone = time.monotonic() + 10  # orphans are reaped by init, a moment after
    while running(int(worker)) and time.monotonic() < gone:
        time.sleep(0.05)
    assert not running(int(worker))


# --- exit codes: 1 is divergence alone -----------------------------------------------------


def test_an_internal_error_is_one_line_exit_3_and_asks_for_a_report(in_tmp, model, monkeypatch):
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("an unexpected state")

    monkeypatch.setattr("nneq.explain.render.render", broken)
    monkeypatch.delenv("NNEQ_DEBUG", raising=False)
    result = runner.invoke(app, ["equations", "m.json"])
    assert result.exit_code == 3
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert lines[0].startswith("nneq: internal error (ValueError: an unexpected state)")
    assert "bug in nneq" in lines[0] and "NNEQ_DEBUG=1" in lines[0] and "--debug" in lines[0]
    for debug_args, env in ((["--debug"], {}), ([], {"NNEQ_DEBUG": "1"})):
        shown = runner.invoke(app, [*debug_args, "equations", "m.json"], env=env)
        assert shown.exit_code == 3
        assert "Traceback" in shown.output and "an unexpected state" in shown.output
        assert shown.output.strip().splitlines()[-1] == lines[0]


@pytest.mark.parametrize("args", [("equations", "m.json"), (), ("--help",), ("-h",),
                                  ("train", "--help"), ("datasets",)])
def test_a_closed_pipe_is_exit_141_and_silent(in_tmp, model, args):
    process = subprocess.Popen(command(*args), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=ENV)
    assert process.stdout is not None
    process.stdout.close()  # the reader goes away before anything is written
    _, err = process.communicate(timeout=120)
    assert process.returncode == 141, err
    assert err == b""


def test_a_pipe_closed_in_the_middle_of_the_output_is_exit_141(in_tmp):
    """The reader takes a little and leaves while a long output is being written: the write
    that found it gone ends the command with 141, as when it left before the first write."""
    process = subprocess.Popen(command("sweep", "--seeds", "200", "--epochs", "2", "--quiet",
                                       "--format", "json", "--workers", "1"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    assert process.stdout is not None and process.stderr is not None
    assert len(process.stdout.read(100)) == 100  # some of the output (the pipe holds 64 KiB)
    process.stdout.close()
    err = process.stderr.read()
    assert process.wait(timeout=120) == 141, err
    assert err == b""


def test_exit_code_1_is_divergence_alone(in_tmp):
    diverged = runner.invoke(app, ["train", "--dataset", "reg-plane", "--learning-rate", "10",
                                   "--shape", "8,8", "--seed", "d", "--epochs", "50"])
    assert diverged.exit_code == 1 and "diverged" in diverged.output
    for args in (["train", "--shape", "0"], ["equations", "missing.json"], ["nonsense"],
                 ["train", "--epochs", "x"], ["compare", "missing.md"]):
        assert runner.invoke(app, args).exit_code == 2


def test_a_stop_inside_the_import_system_is_taken_a_moment_later():
    """Raised in the import system, a stop could land in one of its callbacks and be reported
    as ignored; the handler puts it off for a few milliseconds and then raises it."""
    from types import SimpleNamespace

    from nneq.cli import signals

    importing = SimpleNamespace(f_code=SimpleNamespace(co_filename="<frozen importlib._bootstrap>"))
    before = signal.getsignal(signal.SIGALRM)
    try:
        signals._handler(signal.SIGTERM, importing)  # returns: nothing raised there
        began = time.monotonic()
        with pytest.raises(signals.Stop) as stop:
            time.sleep(2)
        assert time.monotonic() - began < 1 and stop.value.code == 128 + signal.SIGTERM
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)
        signals._state.last = 0


def _main_with(setup: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`nneq ARGS` through the console entry point, in a fresh process, after `setup` runs."""
    script = ("import os, signal, sys, time\n"
              "from nneq.cli import main, signals\n"
              f"sys.argv = ['nneq', {', '.join(repr(a) for a in args)}]\n" + setup + "main()\n")
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)


def test_a_stop_once_the_command_has_ended_is_held_while_it_leaves():
    """Here the stop comes just as the process leaves (within os._exit): it is held, and the
    finished command keeps its output and its exit code."""
    setup = ("leave = os._exit\n"
             "def late(code):\n"
             "    os.kill(os.getpid(), signal.SIGINT)\n"
             "    time.sleep(0.3)\n"
             "    leave(code)\n"
             "os._exit = late\n")
    done = _main_with(setup, "datasets")
    assert (done.returncode, done.stderr) == (0, "") and "circle" in done.stdout
    bad = _main_with(setup, "train", "--dataset", "nope")
    assert bad.returncode == 2 and bad.stderr.startswith("nneq: --dataset='nope'")


def test_a_stop_as_the_command_ends_is_one_line_and_130():
    """A stop that lands after the command's work but before stops are held."""
    setup = ("hold = signals.block\n"
             "def late():\n"
             "    signals.block = hold\n"
             "    raise signals.Stop(signal.SIGINT)\n"
             "signals.block = late\n")
    done = _main_with(setup, "datasets")
    assert (done.returncode, done.stderr) == (130, "nneq: interrupted\n")


@pytest.mark.parametrize(("closed", "args", "code"), [
    ("2>&-", ["datasets"], 0), ("2>&-", ["train", "--dataset", "nope"], 2),
    ("2>&-", ["train", "--epochs", "3", "--out", "m.json"], 0),  # would it draw a bar?
    (">&-", ["datasets"], 0), (">&- 2>&-", ["train", "--dataset", "nope"], 2),
    ("2>/dev/full", ["train", "--dataset", "nope"], 2),
])
def test_closed_or_full_standard_streams_keep_the_exit_code(closed, args, code):
    done = subprocess.run(f"{shlex.join(command(*args))} {closed}", shell=True, env=ENV,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == code and "Traceback" not in done.stderr
    if "--out" in args:
        assert nneq.load("m.json").epochs == 3


def test_a_full_disk_under_the_output_is_one_line_and_2():
    done = subprocess.run(f"{shlex.join(command('datasets'))} >/dev/full", shell=True, env=ENV,
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (
        2, "nneq: cannot write the output: No space left on device\n")


def test_once_the_command_has_ended_a_stop_another_thread_took_changes_nothing():
    from nneq.cli import signals

    signals._state.ended = True
    try:
        signals._handler(signal.SIGINT, None)  # returns: nothing raised
    finally:
        signals._state.ended = False
    before = {s: signal.getsignal(s) for s in signals.WORDS}
    signals._state.ended = True
    try:
        signals.install()  # a command run again in this process handles its stops again
        assert not signals._state.ended
        with pytest.raises(signals.Stop):
            signals._handler(signal.SIGINT, None)
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


@pytest.mark.parametrize(("error", "code", "line"), [
    (OSError(errno.ENOSPC, "No space left on device"), 2,
     "nneq: cannot write the output: No space left on device"),
    (OSError(errno.EIO, "Input/output error", "tables.md"), 3, "nneq: internal error (OSError"),
])
def test_only_an_unnamed_write_error_is_the_outputs(in_tmp, model, monkeypatch, error, code, line):
    """A file's error names its file: nneq's own reading would have worded it, so one that
    reaches the top is a bug, not standard output's."""
    def failing(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr("nneq.explain.render.render", failing)
    monkeypatch.delenv("NNEQ_DEBUG", raising=False)
    result = runner.invoke(app, ["equations", "m.json"])
    assert result.exit_code == code and result.output.startswith(line)


def test_a_usage_error_under_python_m_names_the_command_as_nneq():
    done = subprocess.run(command("train", "--bogus"), capture_output=True, text=True, env=ENV,
                          timeout=60)
    assert (done.returncode, done.stderr) == (
        2, "nneq: no such option --bogus; did you mean --out? (see nneq train --help)\n")
