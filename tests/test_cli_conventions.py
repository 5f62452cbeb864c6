"""The command's conventions: help, choices, messages, start-up, run files, progress and output."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nneq.cli import app
from nneq.cli.app import COMMANDS
from nneq.playground.catalog import DATASET_INFO

runner = CliRunner()
ROOT = Path(__file__).parent.parent
POST = ROOT / "examples" / "post"


pytestmark = pytest.mark.usefixtures("in_tmp")  # every test in its own folder


def _loaded_by(*args: str) -> set[str]:
    """The modules a fresh process has loaded after running `nneq ARGS`."""
    # The command leaves with os._exit once done: the modules are listed on the way out.
    code = ("import os, sys\nfrom nneq.cli import main\nsys.argv = ['nneq', *sys.argv[1:]]\n"
            "leave = os._exit\n"
            "def listed(code):\n"
            "    print(' '.join(sorted(sys.modules)), file=sys.stderr, flush=True)\n"
            "    leave(code)\n"
            "os._exit = listed\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return set(done.stderr.strip().splitlines()[-1].split())


def _help(*command: str) -> str:
    result = runner.invoke(app, [*command, "--help"], terminal_width=200, prog_name="nneq")
    assert result.exit_code == 0, result.output
    return result.output


# --- start-up ------------------------------------------------------------------------------


def test_help_datasets_and_url_load_no_numpy(in_tmp):
    runner.invoke(app, ["train", "--epochs", "1", "--out", "m.json"])
    for args in (["--help"], ["datasets"], ["url", "m.json"]):
        loaded = _loaded_by(*args)
        assert "nneq.cli.app" in loaded, args  # the command ran
        assert "numpy" not in loaded, args


def test_no_command_loads_pydantic_and_each_loads_only_its_own_module():
    loaded = _loaded_by("train", "--epochs", "1", "--out", "t.json", "--quiet")
    assert "pydantic" not in loaded and "numpy" in loaded
    assert "nneq.cli.train" in loaded
    assert not {"nneq.cli.sweep", "nneq.cli.report", "nneq.cli.plot", "sympy",
                "matplotlib"} & loaded


# --- help ----------------------------------------------------------------------------------


def test_commands_are_listed_in_workflow_order_with_whole_descriptions():
    text = _help()
    listed = re.findall(r"^  ([a-z]+)  +", text.split("Commands:")[1], re.M)
    assert listed[:7] == ["train", "equations", "compare", "plot", "html", "sweep", "report"]
    assert listed == list(COMMANDS)
    flat = " ".join(text.split())
    for _module, description in COMMANDS.values():
        assert description in flat
    assert "..." not in text.split("Commands:")[1]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_help_has_an_example_defaults_choices_and_plain_usage(command):
    text = _help(command)
    assert re.search(r"^  Examples?:\n  +nneq " + command, text, re.M), text
    usage = text.splitlines()[0]
    assert usage.startswith(f"Usage: nneq {command} [OPTIONS]")
    assert "{" not in usage and "<" not in text  # no braces in usage, no Python types anywhere
    assert "list[" not in text and "<path>" not in text
    for line in text.split("Examples:")[0].splitlines():
        if line.lstrip().startswith("--format"):
            assert re.search(r"--format \{[a-z]+(\|[a-z]+)+\}", line), line
    assert runner.invoke(app, [command, "-h"], terminal_width=200, prog_name="nneq").output == text


@pytest.mark.parametrize("command", ["train", "sweep"])
def test_training_settings_show_their_defaults_and_choices(command):
    text = " ".join(_help(command).split())
    assert "--dataset {" + "|".join(DATASET_INFO) + "}" in text
    assert "--activation {tanh|relu|sigmoid|linear}" in text
    for default in ("[default: circle]", "[default: 4,2]", "[default: tanh]", "[default: 0.03]",
                    "[default: 10]", "[default: none]", "[default: 500]"):
        assert default in text, default


def test_version_and_completion():
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output == f"nneq {version('nneq')}\n"
    text = _help()
    assert "--install-completion" in text and "--show-completion" in text


def test_plot_and_report_default_to_the_same_legible_dpi():
    from nneq.picture.plot import DEFAULT_DPI

    assert DEFAULT_DPI >= 144
    for command in ("plot", "report"):
        assert f"[default: {DEFAULT_DPI}]" in " ".join(_help(command).split())


# --- messages and choices ------------------------------------------------------------------


def _error(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_a_mistyped_option_names_the_closest():
    assert _error(["train", "--datset", "xor"]) == (
        "nneq: no such option --datset; did you mean --dataset? (see nneq train --help)")
    assert "did you mean --format?" in _error(["equations", "--fromat", "text"])
    assert "did you mean 'train'?" in _error(["trian"])


@pytest.mark.parametrize(("args", "message"), [
    (["equations", "--format", "html"],
     "nneq: --format='html': expected one of markdown, text, latex, json, sympy, logic"),
    (["compare", "x.md", "--format", "html"],
     "nneq: --format='html': expected one of text, markdown, json"),
    (["sweep", "--format", "htm"], "nneq: --format='htm': expected one of text, markdown, json"),
    (["train", "--dataset", "xro"], "nneq: --dataset='xro': expected one of circle, xor, gauss, "
                                    "spiral, reg-plane, reg-gauss (closest: xor)"),
    (["train", "--epochs", "many"], "nneq: --epochs='many': expected a whole number"),
    (["train", "--epochs", "1.5e0"], "nneq: --epochs='1.5e0': expected a whole number"),
    (["train", "--epochs", "0x10"], "nneq: --epochs='0x10': expected a whole number"),
    (["train", "--batch-size", "1e400"], "nneq: --batch-size='1e400': expected a whole number"),
    (["train", "--learning-rate", "fast"], "nneq: --learning-rate='fast': expected a number"),
    (["plot", "--dpi", "0"], "nneq: --dpi=0: expected a whole number from 20 to 600"),
    (["train", "--noise", "60"], "nneq: --noise=60.0: expected a number from 0 to 50 (percent)"),
])
def test_errors_share_one_form(in_tmp, args, message):
    runner.invoke(app, ["train", "--epochs", "1"])
    assert _error(args) == message


def test_whole_numbers_may_be_written_with_a_power_of_ten_as_shapes_and_links_are(in_tmp):
    result = runner.invoke(app, ["train", "--shape", "1e1", "--batch-size", "2.5e1",
                                 "--epochs", "10.0", "--quiet", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["config"]["shape"], summary["config"]["batch_size"], summary["epochs"]) == (
        [10], 25, 10)


def test_choices_are_case_insensitive_everywhere(in_tmp):
    result = runner.invoke(app, ["train", "--dataset", "XOR", "--activation", "ReLU",
                                 "--regularization", "l1", "--reg-rate", "0.001", "--epochs", "2",
                                 "--quiet", "--json"])
    assert result.exit_code == 0, result.output
    config = json.loads(result.output)["config"]
    assert (config["dataset"], config["activation"], config["regularization"]) == (
        "xor", "relu", "L1")
    assert runner.invoke(app, ["equations", "--format", "MarkDown", "--no-caption"]).stdout.startswith(
        "| First Hidden Layer |")
    Path("run.toml").write_text('dataset = "Gauss"\nactivation = "SIGMOID"\nepochs = 1\n')
    assert runner.invoke(app, ["train", "--config", "run.toml", "--quiet"]).exit_code == 0


def test_a_table_naming_an_unknown_input_points_at_the_alias_flag(in_tmp):
    runner.invoke(app, ["train", "--epochs", "1"])
    Path("p.md").write_text("| First Hidden Layer | Equation |\n|---|---|\n| h11 | x3w1 |\n")
    message = _error(["compare", "p.md"])
    assert message.endswith("if x3 stands for an input, name it with --alias x3=FEATURE "
                            "(e.g. --alias x3=x1x2)")
    Path("q.md").write_text("| First Hidden Layer | Equation |\n|---|---|\n| h11 | x2ww2 |\n")
    assert "alias" not in _error(["compare", "q.md"])


# --- run files -----------------------------------------------------------------------------


def test_train_and_sweep_take_the_report_run_files(in_tmp):
    for run in sorted(POST.glob("*.toml")):
        result = runner.invoke(app, ["train", "--config", str(run), "--epochs", "1", "--quiet",
                                     "--out", "m.json"])
        assert result.exit_code == 0, (run.name, result.output)
    result = runner.invoke(app, ["sweep", "--config", str(POST / "exp07.toml"), "--seeds", "2",
                                 "--epochs", "1", "--quiet"])
    assert result.exit_code == 0, result.output


# --- output --------------------------------------------------------------------------------


def test_train_json_gives_the_summary_for_scripts(in_tmp):
    result = runner.invoke(app, ["train", "--dataset", "xor", "--seed", "j", "--epochs", "5",
                                 "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["epochs"] == 5 and data["config"]["seed"] == "j" and data["model"] == (
        "nneq-model.json")
    assert 0 <= data["accuracy_test"] <= 1 and data["loss_train"] > 0
    assert data["link"].startswith("https://playground.tensorflow.org/#")


def test_datasets_lists_each_problem_type_once_per_line():
    lines = runner.invoke(app, ["datasets"]).output.splitlines()
    assert [line.split()[0] for line in lines] == list(DATASET_INFO)
    for line, info in zip(lines, DATASET_INFO.values(), strict=True):
        assert line.split()[1] == info.problem and line.count(info.problem) == 1
    # the descriptions line up
    assert len({re.match(r"\S+\s+\S+\s+", line).end() for line in lines}) == 1


def test_sweep_top_and_the_canonical_note(in_tmp):
    args = ["sweep", "--seeds", "12", "--epochs", "20", "--dataset", "xor", "--shape", "3",
            "--seed", "t", "--quiet"]
    everything = runner.invoke(app, args).output
    top = runner.invoke(app, [*args, "--top", "1"]).output
    patterns = int(everything.splitlines()[1].split()[0])
    assert patterns > 1
    assert everything.count("\npattern ") == patterns and top.count("\npattern ") == 1
    assert f"… and {patterns - 1} more pattern" in top
    assert "canonical form" in top and "A member's own tables" in top
    assert _error([*args, "--top", "0"]) == "nneq: --top=0: expected a whole number >= 1"


# --- progress ------------------------------------------------------------------------------


def _on_a_terminal(args: list[str], cwd: Path) -> tuple[str, str, int]:
    """Run `nneq ARGS` with stderr on a terminal: (what the terminal showed, stdout, exit code)."""
    terminal, child = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "nneq", *args], cwd=cwd,
                               stdout=subprocess.PIPE, stderr=child, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    os.close(child)
    shown = ""
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([terminal], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(terminal, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                shown += chunk.decode(errors="replace")
            elif process.poll() is not None:
                break
        out, _ = process.communicate(timeout=60)
    finally:
        os.close(terminal)
    return shown, out, process.returncode


@pytest.mark.parametrize(("args", "unit"), [
    (["train", "--epochs", "400"], "epochs"),
    (["sweep", "--seeds", "5", "--epochs", "300"], "epochs"),
    (["report", str(POST / "exp01.toml"), "--dpi", "30"], "pages"),
])
def test_long_commands_show_elapsed_rate_and_remaining_time(in_tmp, args, unit):
    shown, out, code = _on_a_terminal(args, in_tmp)
    assert code == 0, shown + out
    assert re.search(rf"\d+/\d+  {unit}, [0-9.]+ s elapsed, [0-9,]+ {unit}/s, (\d+ s|…) left",
                     shown), shown[-500:]
    assert shown.endswith("\x1b[?25h")  # the bar is cleared and the cursor shown again


def test_an_error_after_the_bar_is_drawn_clears_it_before_its_one_line(in_tmp):
    """A study refusing its --out once the bar is up: the bar goes and the cursor comes back
    before the message, which stands on a line of its own."""
    Path("one.toml").write_text('dataset = "xor"\nseeds = 1\nepochs = 1\n[vary]\nnoise = [0]\n')
    Path("two.toml").write_text('dataset = "xor"\nseeds = 1\nepochs = 1\n[vary]\nnoise = [5]\n')
    _, _, code = _on_a_terminal(["study", "one.toml", "--out", "o.json", "--workers", "1"], in_tmp)
    assert code == 0
    shown, _, code = _on_a_terminal(["study", "two.toml", "--out", "o.json", "--workers", "1"],
                                    in_tmp)
    assert code == 2
    bar, _, message = shown.rpartition("\x1b[?25h")
    assert "\x1b[?25l" in bar  # the bar was drawn, and then cleared
    assert message.strip().startswith("nneq: --out='o.json': expected a new file")


def test_sweep_json_has_accuracy_per_seed_and_per_pattern(in_tmp):
    import nneq

    result = runner.invoke(app, ["sweep", "--seeds", "4", "--epochs", "15", "--dataset", "xor",
                                 "--shape", "2", "--seed", "a", "--format", "json", "--quiet"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for member in data["seeds"][:2]:  # the oracle: the same seed trained alone
        model = nneq.train(nneq.Config(dataset="xor", shape=(2,), seed=member["seed"]), epochs=15)
        train_points, test_points = model.data()
        assert member["accuracy_train"] == model.accuracy(train_points)
        assert member["accuracy_test"] == model.accuracy(test_points)
    for pattern in data["patterns"]:
        shares = [m["accuracy_test"] for m in data["seeds"] if m["pattern"] == pattern["id"]]
        assert pattern["mean_accuracy_test"] == pytest.approx(sum(shares) / len(shares))
    regression = runner.invoke(app, ["sweep", "--seeds", "2", "--epochs", "2", "--dataset",
                                     "reg-plane", "--format", "json", "--quiet"])
    assert json.loads(regression.output)["seeds"][0]["accuracy_test"] is None
