"""`nneq.pages.report`: the page of one run, the index, reuse of current models, and run files."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest

import nneq
from nneq.errors import NneqError
from nneq.pages import report as R
from nneq.playground.link import parse_link

EXAMPLES = Path(__file__).parent.parent / "examples"
POST = EXAMPLES / "post"
TABLE = """| First Hidden Layer | Equation |
| --- | --- |
| h11 | x1w1 - x2w2 |
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def small_run(folder: Path, name: str = "small", **extra: str) -> Path:
    """A fast run file: a small xor network for a few epochs, with an inline prediction."""
    lines = ['dataset = "xor"', "shape = [2]", 'seed = "0.7"', "epochs = 20",
             f'predicted = """\n{TABLE}"""', *(f"{k} = {v}" for k, v in extra.items())]
    return write(folder / f"{name}.toml", "\n".join(lines) + "\n")


def links(markdown: str) -> list[str]:
    return re.findall(r"\]\(([^)]+)\)", markdown)


def fail_training(*args: object, **kwargs: object) -> nneq.Model:
    raise AssertionError("trained although a current model was in the folder")


# --- one example, regenerated ----------------------------------------------------------------


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> R.Report:
    """Experiment 10 of the examples, exactly as committed, written into a fresh folder."""
    folder = tmp_path_factory.mktemp("report")
    return R.report([POST / "exp10.toml"], out_dir=folder / "out")


def test_example_page_has_the_heading_settings_and_post_format_tables(example):
    page = example.pages[0]
    text = page.page.read_text(encoding="utf-8")
    assert text.startswith("# Experiment 10: x1x2 (the post's x3) as the only input\n")
    assert "xor · inputs x1x2 · network 1-2-2-1 tanh" in text and "seed 0.53049 · 500 epochs" in text
    for header in ("| First Hidden Layer | Equation |", "| Second Hidden Layer | Equation |",
                   "| Output Layer | Equation |", "| ------------- |:-------------:|",
                   "## Compared with the prediction",
                   "| First Hidden Layer | Learnt unit | Predicted | Learnt (aligned) | Agree |"):
        assert header in text
    assert re.search(r"\| Loss \| \d\.\d{3} \| \d\.\d{3} \|", text)
    assert re.search(r"\| Accuracy \| [\d.]+% \| [\d.]+% \|", text)
    comparison = page.comparison
    assert comparison is not None
    assert f"**{comparison.agree} of {comparison.total} predicted signs agree; a random table" in text


def test_example_page_links_open_the_same_network_in_the_playground(example):
    page = example.pages[0]
    text = page.page.read_text(encoding="utf-8")
    playground = [u for u in links(text) if u.startswith("https://playground.tensorflow.org/#")]
    assert len(playground) == 1
    assert parse_link(playground[0]).config == page.model.config == nneq.load(page.model_file).config


def test_example_page_links_files_that_exist(example):
    page = example.pages[0]
    text = page.page.read_text(encoding="utf-8")
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert pictures == ["exp10.png"]
    picture = page.page.parent / pictures[0]
    assert picture == page.picture and picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for target in links(text):
        if not target.startswith("https://"):
            assert (page.page.parent / target).resolve().is_file(), target
    assert (page.page.parent / "exp10.json").is_file()


def test_index_lists_each_run_with_losses_and_agreement(example):
    index = example.index.read_text(encoding="utf-8")
    page = example.pages[0]
    model, comparison = page.model, page.comparison
    row = next(line for line in index.splitlines() if "exp10.md" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[0] == "[Experiment 10: x1x2 (the post's x3) as the only input](exp10.md)"
    assert cells[4] == f"{model.config.noise:g}" and cells[6] == model.config.seed
    assert cells[8:10] == [f"{model.loss_train[-1]:.3f}", f"{model.loss_test[-1]:.3f}"]
    assert cells[11] == f"{comparison.agree} of {comparison.compared}"
    assert ("| Run | Dataset | Inputs | Network | Noise | Other settings | Seed | Epochs | "
            "Loss train | Loss test |") in index


# --- training or reusing -------------------------------------------------------------------


def test_a_second_report_reuses_the_model_without_training(tmp_path, monkeypatch):
    run = small_run(tmp_path)
    first = R.report([run], out_dir=tmp_path / "out")
    model_file = first.pages[0].model_file
    page_text = first.pages[0].page.read_text(encoding="utf-8")
    stamp = model_file.stat().st_mtime_ns
    monkeypatch.setattr(R, "train", fail_training)
    second = R.report([run], out_dir=tmp_path / "out")
    assert second.pages[0].reused and not first.pages[0].reused
    assert model_file.stat().st_mtime_ns == stamp
    assert second.pages[0].page.read_text(encoding="utf-8") == page_text  # pages are stable


@pytest.mark.parametrize("change", [
    {"learning-rate": "0.1"}, {"epochs": "21"}, {"features": '["x1", "x2", "x1x2"]'},
])
def test_a_changed_run_file_retrains(tmp_path, change):
    R.report([small_run(tmp_path)], out_dir=tmp_path / "out")
    text = (tmp_path / "small.toml").read_text()
    for key, value in change.items():
        text = re.sub(rf"^{key} = .*$", f"{key} = {value}", text, flags=re.M)
        if f"{key} = {value}" not in text:
            text += f"{key} = {value}\n"
    write(tmp_path / "small.toml", text)
    again = R.report([tmp_path / "small.toml"], out_dir=tmp_path / "out")
    page = again.pages[0]
    assert not page.reused
    assert nneq.load(page.model_file).epochs == page.run.epochs
    assert nneq.load(page.model_file).config == page.run.config


def test_retrain_trains_even_when_current(tmp_path):
    run = small_run(tmp_path)
    R.report([run], out_dir=tmp_path / "out")
    assert not R.report([run], out_dir=tmp_path / "out", retrain=True).pages[0].reused


def test_a_run_without_seed_keeps_the_seed_it_was_first_trained_with(tmp_path, monkeypatch):
    run = write(tmp_path / "free.toml", 'dataset = "xor"\nshape = [2]\nepochs = 5\n')
    first = R.report([run], out_dir=tmp_path / "out").pages[0]
    monkeypatch.setattr(R, "train", fail_training)
    second = R.report([run], out_dir=tmp_path / "out").pages[0]
    assert second.reused and second.model.config.seed == first.model.config.seed


def test_an_unreadable_model_in_the_folder_is_replaced(tmp_path):
    run = small_run(tmp_path)
    (tmp_path / "out").mkdir()
    write(tmp_path / "out" / "small.json", "not json")
    page = R.report([run], out_dir=tmp_path / "out").pages[0]
    assert not page.reused and nneq.load(page.model_file).epochs == 20


def test_is_current_compares_configuration_and_epochs():
    config = nneq.Config(dataset="xor", shape=(2,), seed="0.7")
    model = nneq.train(config, epochs=3)
    assert R.is_current(model, config, 3)
    assert not R.is_current(model, config, 4)
    assert not R.is_current(model, dataclasses.replace(config, seed="0.8"), 3)
    assert not R.is_current(model, dataclasses.replace(config, noise=5), 3)
    assert R.is_current(model, dataclasses.replace(config, seed=None), 3)


def test_a_diverged_run_is_reported_not_raised(tmp_path, monkeypatch):
    run = write(tmp_path / "wild.toml", 'dataset = "reg-plane"\nactivation = "relu"\n'
                'learning-rate = 10\nseed = "1"\nepochs = 20\n')
    result = R.report([run], out_dir=tmp_path / "out")
    page = result.pages[0]
    assert page.model.diverged and page.picture.is_file()
    text = page.page.read_text(encoding="utf-8")
    assert f"**Training diverged** at epoch {page.model.diverged_at}" in text
    assert f"diverged at {page.model.diverged_at}" in result.index.read_text(encoding="utf-8")
    assert "diverged at epoch" in page.summary()
    monkeypatch.setattr(R, "train", fail_training)  # training again would stop at the same epoch
    assert R.report([run], out_dir=tmp_path / "out").pages[0].reused


def test_a_title_over_several_lines_is_one_heading(tmp_path):
    run = small_run(tmp_path, title='"""\nA long\n  title"""', description='"Two\\nlines"')
    read = R.read_run(run)
    assert (read.title, read.description) == ("A long title", "Two lines")


def test_the_output_folder_is_made_and_the_index_keeps_the_given_order(tmp_path):
    runs = [small_run(tmp_path, "b"), small_run(tmp_path, "a", title='"First | second"')]
    result = R.report(runs, out_dir=tmp_path / "deep" / "out")
    index = result.index.read_text(encoding="utf-8")
    assert index.index("(b.md)") < index.index("(a.md)")
    assert r"[First \| second](a.md)" in index
    assert sorted(p.name for p in (tmp_path / "deep" / "out").iterdir()) == [
        "a.json", "a.md", "a.png", "b.json", "b.md", "b.png", "index.md", "runs"]


def test_a_prediction_file_is_found_beside_the_run_file_and_linked(tmp_path):
    (tmp_path / "runs").mkdir()
    write(tmp_path / "runs" / "pred.md", TABLE)
    run = write(tmp_path / "runs" / "r.toml", 'dataset = "xor"\nshape = [2]\nseed = "1"\n'
                'epochs = 5\npredicted = "pred.md"\nthreshold = 0.01\nshow-test = true\n')
    page = R.report([run], out_dir=tmp_path / "out").pages[0]
    text = page.page.read_text(encoding="utf-8")
    # both are copied into the report folder, and the page links to the copies
    assert "Predicted tables: [pred.md](runs/pred.md)." in text
    assert "run file [r.toml](runs/r.toml)" in text
    assert (tmp_path / "out" / "runs" / "pred.md").read_text() == TABLE
    assert (tmp_path / "out" / "runs" / "r.toml").read_text() == Path(run).read_text()
    assert "showTestData=true" in text and "Links weaker than 0.01 are left out" in text


# --- run files -----------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "words"), [
    ("learning-rat = 0.1\n", "unknown key 'learning-rat'"),
    ('shape = "four"\n', "shape="),
    ("epochs = -1\n", "epochs=-1"),
    ("threshold = -1\n", "threshold=-1"),
    ('threshold = "big"\n', "threshold="),
    ("title = 3\n", "title=3"),
    ("show-test = 1\n", "show-test=1"),
    ('alias = ["x3"]\n', "alias='x3'"),
    ('predicted = "missing.md"\n', "does not exist"),
    ('predicted = "| h11 | y9w1 |"\n', "(predicted):1"),
    ("predicted = 3\n", "predicted=3"),
    ('predicted = "."\n', "is a folder"),
    ("shape = [\n", "not valid TOML"),
    ('url = "#networkShape=4,x"\n', "networkShape='4,x' in the url of "),
    ('url = "hello"\n', "url='hello' in "),
])
def test_bad_run_files_are_refused_naming_the_file(tmp_path, content, words):
    run = write(tmp_path / "bad.toml", content)
    with pytest.raises(NneqError) as err:
        R.read_run(run)
    assert words in str(err.value) and "bad.toml" in str(err.value)


def test_an_unreadable_table_file_names_its_line(tmp_path):
    write(tmp_path / "pred.md", "| First Hidden Layer | Equation |\n| --- | --- |\n| h11 | x1w1 + |\n")
    run = write(tmp_path / "r.toml", 'predicted = "pred.md"\n')
    with pytest.raises(NneqError, match=r"pred\.md:3"):
        R.read_run(run)


def test_runs_that_would_write_the_same_files_are_refused_before_training(tmp_path, monkeypatch):
    monkeypatch.setattr(R, "train", fail_training)
    (tmp_path / "other").mkdir()
    one, two = small_run(tmp_path), small_run(tmp_path / "other")
    with pytest.raises(NneqError, match=r"would both write small\.md"):
        R.report([one, two], out_dir=tmp_path / "out")
    with pytest.raises(NneqError, match=r"would overwrite index\.md"):
        R.report([small_run(tmp_path, "index")], out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_bad_file_costs_its_own_page_only(tmp_path):
    bad = write(tmp_path / "bad.toml", "noise = 90\n")
    tables = write(tmp_path / "t.md", "| First Hidden Layer | Equation |\n|---|---|\n| h11 | x1w1 * x2 |\n")
    bad_table = write(tmp_path / "badtable.toml", 'dataset = "xor"\nshape = [2]\nepochs = 2\n'
                      f'predicted = "{Path(tables).name}"\n')
    result = R.report([bad, small_run(tmp_path), bad_table], out_dir=tmp_path / "out")
    assert [page.run.name for page in result.pages] == [Path(small_run(tmp_path)).stem]
    failed = {path.name: str(error) for path, error in result.failed}
    assert "noise" in failed["bad.toml"] and "t.md:3" in failed["badtable.toml"]
    assert not (tmp_path / "out" / "bad.md").exists()


def test_a_bad_file_alone_stops_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(R, "train", fail_training)
    bad = write(tmp_path / "bad.toml", "noise = 90\n")
    with pytest.raises(NneqError, match="noise"):
        R.report([bad], out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


# Units the run's network cannot have: its layer sizes are known before training.
IMPOSSIBLE = {
    "unit beyond its layer": ("| First Hidden Layer | Equation |\n|---|---|\n| h15 | x1w1 |\n",
                              "t.md:3: h15 cannot exist: the network's First Hidden Layer has 4"),
    "second output": ("| Output Layer | Equation |\n|---|---|\n| o2 | h21w21 |\n",
                      "t.md:3: o2 cannot exist: the network has 1 output unit"),
    "source beyond its layer": ("| Second Hidden Layer | Equation |\n|---|---|\n"
                                "| h21 | h11w11 + h15w15 |\n", "t.md:3: h15w15 in h21's equation"),
}


@pytest.mark.parametrize("case", list(IMPOSSIBLE))
def test_a_unit_the_network_cannot_have_costs_its_own_page_before_training(tmp_path, monkeypatch,
                                                                          case):
    table, words = IMPOSSIBLE[case]
    write(tmp_path / "t.md", table)
    bad = write(tmp_path / "bad.toml", 'dataset = "xor"\nseed = "s"\nepochs = 5\npredicted = "t.md"\n')
    with pytest.raises(NneqError, match=re.escape(words)):
        R.read_run(bad)
    trained: list[str] = []
    real_train = R.train
    monkeypatch.setattr(R, "train", lambda config, **kw: trained.append(config.dataset)
                        or real_train(config, **kw))
    result = R.report([bad, small_run(tmp_path)], out_dir=tmp_path / "out")
    assert [page.run.name for page in result.pages] == ["small"] and trained == ["xor"]
    (path, error), = result.failed
    assert path.name == "bad.toml" and words in str(error)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "index.md", "runs", "small.json", "small.md", "small.png"]
    # The only run file given: nothing is trained and nothing is written.
    monkeypatch.setattr(R, "train", fail_training)
    with pytest.raises(NneqError, match=re.escape(words)):
        R.report([bad], out_dir=tmp_path / "alone")
    assert not (tmp_path / "alone").exists()


def test_an_unknown_input_in_a_run_files_tables_points_at_the_alias_key(tmp_path):
    write(tmp_path / "t.md", "| First Hidden Layer | Equation |\n|---|---|\n| h11 | x3w1 |\n")
    run = write(tmp_path / "a.toml", 'dataset = "xor"\nepochs = 2\npredicted = "t.md"\n')
    with pytest.raises(NneqError) as err:
        R.report([run], out_dir=tmp_path / "out")
    assert 'the run file\'s alias key, e.g. alias = ["x3=x1x2"]' in str(err.value)
    assert "--alias" not in str(err.value)


def test_the_index_lists_every_page_in_the_folder_under_its_title(tmp_path):
    first = write(tmp_path / "first.toml", 'title = "First"\ndataset = "xor"\nshape = [2]\n'
                  'seed = "1"\nepochs = 3\nnoise = 10\n')
    second = write(tmp_path / "second.toml", 'dataset = "circle"\nshape = [2]\nseed = "2"\n'
                   'epochs = 3\nlearning-rate = 0.1\n')
    R.report([first], out_dir=tmp_path / "out")
    index = R.report([second], out_dir=tmp_path / "out", title="Two runs").index.read_text()
    assert index.startswith("# Two runs\n")
    rows = [line for line in index.splitlines() if line.startswith("| [")]
    assert [row.split("]")[0] for row in rows] == ["| [second", "| [First"]
    assert "| 10 |" in rows[1] and "learning rate 0.1" in rows[0]


def test_values_and_biases_show_on_the_page(tmp_path):
    run = write(tmp_path / "v.toml", 'dataset = "xor"\nshape = [2]\nseed = "1"\nepochs = 3\n'
                "values = true\nbiases = true\n")
    page = R.report([run], out_dir=tmp_path / "out").pages[0]
    text = page.page.read_text(encoding="utf-8")
    first = page.model.layers[0]
    assert f"{first.weights[0][0]:+.3f}".lstrip("+") in text
    assert "x1w1" not in text


@pytest.mark.parametrize(("made", "words"), [
    ("runs", r"out/runs is not a folder"),  # a file where the run files' copies go
    ("small.png/", r"small\.png: it is a folder"),
    ("index.md/", r"index\.md: it is a folder"),
    ("runs/small.toml/", r"small\.toml: it is a folder"),
])
def test_outputs_that_cannot_be_written_are_refused_before_training(tmp_path, monkeypatch,
                                                                     made, words):
    monkeypatch.setattr(R, "train", fail_training)
    out = tmp_path / "out"
    target = out / made.rstrip("/")
    target.parent.mkdir(parents=True)
    if made.endswith("/"):
        target.mkdir()
    else:
        write(target, "x")
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    with pytest.raises(NneqError, match=words):
        R.report([small_run(tmp_path)], out_dir=out)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before  # nothing written


def test_a_file_where_a_predicted_files_folder_goes_is_refused_before_training(
        tmp_path, monkeypatch):
    """A predicted file in a folder beside its run file is copied to runs/ under that folder:
    a file in the place of any folder on the way is refused at once."""
    monkeypatch.setattr(R, "train", fail_training)
    (tmp_path / "a" / "b").mkdir(parents=True)
    write(tmp_path / "a" / "b" / "p.md", TABLE)
    run = write(tmp_path / "deep.toml", 'dataset = "xor"\nshape = [2]\nseed = "d"\n'
                'epochs = 5\npredicted = "a/b/p.md"\n')
    out = tmp_path / "out"
    (out / "runs").mkdir(parents=True)
    write(out / "runs" / "a", "x")
    with pytest.raises(NneqError, match=r"runs/a is not a folder"):
        R.report([run], out_dir=out)
    assert sorted(p.name for p in out.rglob("*")) == ["a", "runs"]


def test_files_the_report_only_reuses_need_not_be_writable(tmp_path):
    """The model of a second report is reused, not written, and a run file copied onto itself
    is left alone: neither is checked for writing (a read-only copy stays accepted)."""
    out = tmp_path / "out"
    R.report([small_run(tmp_path)], out_dir=out)
    copy = out / "runs" / "small.toml"
    copy.chmod(0o444)
    try:
        again = R.report([copy], out_dir=out)
    finally:
        copy.chmod(0o644)
    assert again.pages[0].reused


def test_a_learning_rate_beyond_a_thousand_costs_its_own_page_only(tmp_path):
    good = small_run(tmp_path)
    bad = small_run(tmp_path, "fast", **{"learning-rate": "2000"})
    result = R.report([good, bad], out_dir=tmp_path / "out")
    assert [p.run.name for p in result.pages] == ["small"]
    (path, error), = result.failed
    assert path == bad and str(error).startswith("learning-rate=2000.0 in ")


def test_an_interactive_page_in_the_way_matters_only_with_html(tmp_path):
    out = tmp_path / "out"
    (out / "small.html").mkdir(parents=True)
    R.report([small_run(tmp_path)], out_dir=out)
    assert (out / "small.md").is_file()
    with pytest.raises(NneqError, match=r"small\.html: it is a folder"):
        R.report([small_run(tmp_path)], out_dir=out, html=True)


def test_an_interactive_page_is_written_and_linked_only_when_asked_for(tmp_path):
    """A page of that name in the folder may be anyone's: without --html the report neither
    writes it nor links it, from the page or from the index."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "small.html").write_text("<p>mine</p>")
    run = small_run(tmp_path)
    R.report([run], out_dir=out)
    assert (out / "small.html").read_text() == "<p>mine</p>"
    assert "small.html" not in (out / "small.md").read_text()
    assert "small.html" not in (out / "index.md").read_text()
    R.report([run], out_dir=out, html=True)
    assert "<p>mine</p>" not in (out / "small.html").read_text()
    assert "small.html" in (out / "small.md").read_text()
    assert "small.html" in (out / "index.md").read_text()


def test_an_output_folder_that_is_a_file_is_refused(tmp_path):
    write(tmp_path / "out", "")
    with pytest.raises(NneqError, match="it is a file"):
        R.report([small_run(tmp_path)], out_dir=tmp_path / "out")


# --- the examples --------------------------------------------------------------------------


def test_every_post_experiment_has_a_run_file_and_its_predicted_tables():
    runs = [R.read_run(path) for path in sorted(POST.glob("*.toml"))]
    assert [r.name for r in runs] == [f"exp{n:02d}" for n in range(1, 19)]
    for run in runs:
        assert run.config.seed == "0.53049" and run.epochs == 500
        if run.name == "exp15":  # it only announces 16 and 17, with no tables of its own
            assert run.prediction is None
        elif run.name == "exp17":  # the post's tables repeat h21: the run file mends them inline
            assert run.prediction is not None and run.predicted_file is None
        else:
            assert run.prediction is not None and run.predicted_file == POST / f"{run.name}.md"
        assert run.title.startswith(f"Experiment {int(run.name[3:])}: ")
        assert (POST / f"{run.name}.toml").read_text().startswith("# ")  # the reading, explained
    by_name = {r.name: r.config for r in runs}
    assert by_name["exp03"].regularization == "L1" and by_name["exp04"].regularization == "L2"
    # Experiments 1 to 7 read one data distribution, the four clusters of xor.
    assert {by_name[f"exp0{n}"].dataset for n in range(1, 8)} == {"xor"}
    assert by_name["exp08"].features == ("sin(x1)",) and by_name["exp08"].dataset == "gauss"
    assert by_name["exp12"].features == ("x2", "x1x2") and by_name["exp12"].shape == (2, 1)
    assert {by_name[f"exp{n}"].dataset for n in range(13, 19)} == {"gauss"}
    assert [by_name[f"exp{n}"].shape for n in range(13, 19)] == [(2, 1)] * 3 + [(3, 1), (2, 2), (2, 1)]


def test_every_predicted_table_fits_its_network():
    """Each prediction names no unit or input its network lacks: the readings match the tables."""
    for path in sorted(POST.glob("*.toml")):
        run = R.read_run(path)
        sizes = run.config.layer_sizes
        if run.prediction is None:
            continue
        for layer in run.prediction.layers:
            if not layer.output:
                assert len(layer.units) == sizes[layer.layer], run.name
            for unit in layer.units:
                for term in unit.terms:
                    assert term.source in run.config.features or term.source.startswith("h"), \
                        (run.name, term.source)


def test_the_quickstart_run_files_parse():
    runs = {r.name: r for r in map(R.read_run, sorted((EXAMPLES / "quickstart").glob("*.toml")))}
    assert set(runs) == {"inline", "link", "regression"}
    assert runs["link"].config.dataset == "xor" and runs["link"].config.learning_rate == 0.01
    assert runs["regression"].config.problem == "regression" and runs["regression"].prediction is None
    assert runs["inline"].prediction is not None and runs["inline"].predicted_file is None


def test_the_committed_reports_are_current():
    """The committed pages were written from the run files as they are now."""
    folder = POST / "report"
    for path in sorted(POST.glob("*.toml")):
        run = R.read_run(path)
        assert R.is_current(nneq.load(folder / f"{run.name}.json"), run.config, run.epochs,
                            run.snapshots), run.name
        assert (folder / f"{run.name}.html").is_file()
        assert (folder / f"{run.name}.md").is_file() and (folder / f"{run.name}.png").is_file()
    index = (folder / "index.md").read_text(encoding="utf-8")
    assert all(f"(exp{n:02d}.md)" in index for n in range(1, 13))


def test_copying_an_example_folder_keeps_its_links(tmp_path):
    shutil.copytree(POST, tmp_path / "post", ignore=shutil.ignore_patterns("report"))
    result = R.report([tmp_path / "post" / "exp05.toml"], out_dir=tmp_path / "post" / "report")
    text = result.pages[0].page.read_text(encoding="utf-8")
    assert "[exp05.toml](runs/exp05.toml)" in text and "[exp05.md](runs/exp05.md)" in text
    for name in ("exp05.toml", "exp05.md"):
        assert (tmp_path / "post" / "report" / "runs" / name).read_text() == (
            POST / name).read_text()
