"""Reading predicted tables as people write them: the post's twelve, variants, and mistakes."""

from __future__ import annotations

import time

import pytest

from nneq.comparison.tables import Prediction, parse_aliases, parse_tables, read_tables
from nneq.errors import ConfigError, NneqError, TableError
from nneq.explain.equations import layer_title

from .conftest import POST_TABLES

X3 = {"x3": "x1x2"}

# What each table of the post shows, written out: unit → {source: sign}, layer by layer.
EXPECTED: dict[str, list[dict[str, dict[str, int]]]] = {
    "exp01": [
        {"h11": {"x1": 1, "x2": -1}, "h12": {"x1": -1, "x2": 1}, "h13": {"x1": 1, "x2": -1},
         "h14": {"x1": 1, "x2": -1}},
        {"h21": {"h11": -1, "h12": -1, "h13": 1, "h14": -1},
         "h22": {"h11": 1, "h12": 1, "h13": -1, "h14": 1}},
        {"o1": {"h21": -1, "h22": 1}},
    ],
    "exp02": [
        {"h11": {"x1": 1, "x2": -1}, "h12": {"x1": -1, "x2": 1}, "h13": {"x1": 1, "x2": -1},
         "h14": {"x1": 1, "x2": -1}},
        {"h21": {"h11": -1, "h12": -1, "h13": 1, "h14": -1},
         "h22": {"h11": 1, "h12": 1, "h13": -1, "h14": 1}},
        {"o1": {"h21": -1, "h22": 1}},
    ],
    "exp03": [
        {"h11": {"x1": -1, "x2": 1}, "h12": {"x1": 1, "x2": 1}, "h13": {"x1": 1, "x2": 1},
         "h14": {"x1": -1, "x2": -1}},
        {"h21": {"h11": 1, "h12": -1, "h13": -1, "h14": -1},
         "h22": {"h11": -1, "h12": -1, "h13": -1, "h14": 1}},
        {"o1": {"h21": 1, "h22": -1}},
    ],
    "exp04": [
        {"h11": {"x1": 1, "x2": -1}, "h12": {"x1": -1, "x2": -1}, "h13": {"x1": -1, "x2": 1},
         "h14": {"x1": -1, "x2": 1}},
        {"h21": {"h11": 1, "h12": -1, "h13": -1, "h14": -1},
         "h22": {"h11": -1, "h12": 1, "h13": 1, "h14": -1}},
        {"o1": {"h21": 1, "h22": -1}},
    ],
    "exp05": [
        {"h11": {"x1": 1, "x2": 1}},
        {"h21": {"h11": 1}},
        {"o1": {"h21": -1}},
    ],
    "exp06": [
        {"h11": {"x1": -1, "x2": -1}},
        {"h21": {"h11": -1}, "h22": {"h11": -1}},
        {"o1": {"h21": 1, "h22": 1}},
    ],
    "exp07": [
        {"h11": {"x1": -1, "x2": -1}, "h12": {"x1": -1, "x2": 1}},
        {"h21": {"h11": 1, "h12": -1}, "h22": {"h11": -1, "h12": -1}},
        {"o1": {"h21": 1, "h22": 1}},
    ],
    "exp08": [
        {"h11": {"sin(x1)": -1}, "h12": {"sin(x1)": -1}},
        {"h21": {"h11": 1, "h12": 1}, "h22": {"h11": -1, "h12": -1}},
        {"o1": {"h21": -1, "h22": 1}},
    ],
    "exp09": [
        {"h11": {"sin(x1)": -1, "sin(x2)": -1}, "h12": {"sin(x1)": 1, "sin(x2)": 1}},
        {"h21": {"h11": -1, "h12": 1}, "h22": {"h11": -1, "h12": -1}},
        {"o1": {"h21": 1, "h22": 1}},
    ],
    "exp10": [
        {"h11": {"x1x2": -1}, "h12": {"x1x2": -1}},
        {"h21": {"h11": 1, "h12": -1}, "h22": {"h11": -1, "h12": -1}},
        {"o1": {"h21": -1, "h22": -1}},
    ],
    "exp11": [
        {"h11": {"x1x2": -1}, "h12": {"x1x2": 1}, "h13": {"x1x2": 1}},
        {"h21": {"h11": -1, "h12": 1, "h13": 1}, "h22": {"h11": 1, "h12": 1, "h13": -1}},
        {"o1": {"h21": -1, "h22": 1}},
    ],
    "exp12": [
        {"h11": {"x2": -1, "x1x2": 1}, "h12": {"x2": -1, "x1x2": 1}},
        {"h21": {"h11": 1, "h12": -1}},
        {"o1": {"h21": -1}},
    ],
}
TITLES = ["First Hidden Layer", "Second Hidden Layer", "Output Layer"]


def shown(prediction: Prediction) -> list[dict[str, dict[str, int]]]:
    """A prediction as the plain structure above."""
    return [{u.name: {t.source: t.sign for t in u.terms} for u in layer.units}
            for layer in prediction.layers]


def table(rows: str, title: str = "First Hidden Layer") -> str:
    return f"| {title} | Equation |\n| --- | --- |\n{rows}\n"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_post_table_reads_into_exactly_what_it_shows(name):
    prediction = read_tables(POST_TABLES / f"{name}.md", aliases=X3)
    assert shown(prediction) == EXPECTED[name]
    assert [la.title for la in prediction.layers] == TITLES
    assert prediction.depth == 2
    assert [la.output for la in prediction.layers] == [False, False, True]


def test_the_first_twelve_post_tables_are_all_here():
    names = {p.stem for p in POST_TABLES.glob("*.md")}
    assert {f"exp{k:02d}" for k in range(1, 13)} & names == set(EXPECTED)


def test_rows_keep_their_line_numbers_and_written_terms():
    prediction = read_tables(POST_TABLES / "exp12.md", aliases=X3)
    h11 = prediction.layers[0].units[0]
    assert h11.line == 3
    assert [(t.text, t.sign) for t in h11.terms] == [("x2w2", -1), ("x3w3", 1)]
    assert prediction.layers[2].units[0].line == 12


def test_the_ways_people_write_terms():
    text = table("|h11|x1w1 − x2w2|\n| h12 |  w1x1   +w2x2 |\n| h13 | -sin(x1)w1 + sin (x2) w2 |\n"
                 "| h14 | x1 - x2 |\n| h15 | + x1*w1 -x1^2w3 |\n| h16 | – x1²w3 + x1x2 |\n"
                 "| h17 | 0 |\n| **h18** | `x2w2` |")
    assert shown(parse_tables(text)) == [{
        "h11": {"x1": 1, "x2": -1}, "h12": {"x1": 1, "x2": 1},
        "h13": {"sin(x1)": -1, "sin(x2)": 1}, "h14": {"x1": 1, "x2": -1},
        "h15": {"x1": 1, "x1^2": -1}, "h16": {"x1^2": -1, "x1x2": 1}, "h17": {},
        "h18": {"x2": 1}}]


def test_names_without_the_layer_digit_follow_the_heading():
    text = (table("| h1 | x1 |\n| h2 | -x2 |") + "\n"
            + table("| h1 | h1w1 - h2 |", "Second Hidden Layer") + "\n"
            + table("| o | -h1 |", "Output Layer"))
    assert shown(parse_tables(text)) == [
        {"h11": {"x1": 1}, "h12": {"x2": -1}}, {"h21": {"h11": 1, "h12": -1}}, {"o1": {"h21": -1}}]


def test_text_headings_and_plain_tables_around():
    text = ("# My guess\n\nSome prose | with a bar.\n\n#### 1\n\n| Unit | Equation |\n|:--|:-:|\n"
            "| h11 | x1w1 |\n| h21 | h11w11 |\n\nMore words.\n\n| o1 | + h21w21 |\n")
    prediction = parse_tables(text)
    assert shown(prediction) == [{"h11": {"x1": 1}}, {"h21": {"h11": 1}}, {"o1": {"h21": 1}}]
    assert prediction.layers[1].title == "Second Hidden Layer"


def test_heading_rows_inside_one_table():
    text = ("| Unit | Equation |\n|---|---|\n| **First Hidden Layer** | |\n| h1 | x1 |\n"
            "| Output Layer | |\n| o1 | h11 |\n")
    assert shown(parse_tables(text)) == [{"h11": {"x1": 1}}, {"o1": {"h11": 1}}]


def test_biases_are_skipped_since_only_links_are_compared():
    text = table("| h11 | + x1w1 - b11 |\n| h12 | + b12 |") + "\n" + table("| o1 | - h11 + bo1 |",
                                                                          "Output Layer")
    assert shown(parse_tables(text)) == [{"h11": {"x1": 1}, "h12": {}}, {"o1": {"h11": -1}}]


def test_a_term_twice_with_the_same_sign_counts_once():
    assert shown(parse_tables(table("| h11 | x1 + x1w1 |"))) == [{"h11": {"x1": 1}}]


def test_units_only_named_as_sources_deepen_the_network():
    prediction = parse_tables(table("| o1 | h21 - h22 |", "Output Layer"))
    assert prediction.depth == 2
    assert prediction.layers[0].title == "Output Layer"


def test_a_network_without_hidden_layers():
    prediction = parse_tables(table("| o1 | x1 - x2 |", "Output Layer"))
    assert prediction.depth == 0
    assert shown(prediction) == [{"o1": {"x1": 1, "x2": -1}}]


def test_an_unknown_input_is_named_for_an_alias_and_a_typo_is_not():
    with pytest.raises(TableError) as unknown:
        parse_tables(table("| h11 | x3w3 |"))
    assert unknown.value.unknown_input == "x3" and "--alias" not in str(unknown.value)
    with pytest.raises(TableError) as typo:
        parse_tables(table("| h11 | x2ww2 |"))
    assert typo.value.unknown_input is None and "alias" not in str(typo.value)


def test_aliases():
    assert parse_aliases(["x3=x1x2", "s = sin(x1)", "q=xSquared"]) == {
        "x3": "x1x2", "s": "sin(x1)", "q": "x1^2"}
    for bad in ("x3", "x3=x9", "=x1", "x1=x2", "w3=x1", "h11=x1"):
        with pytest.raises(ConfigError):
            parse_aliases([bad])
    # Each name is one input and each input has one name (names are read in any case).
    with pytest.raises(ConfigError, match=r"one input per name \(x3 is already x1\)"):
        parse_aliases(["x3=x1", "X3=x2"])
    with pytest.raises(ConfigError, match=r"one name per input \(x1 is already x3\)"):
        parse_aliases(["x3=x1", "x4=x1"])
    assert parse_aliases(["x3=x1", "X3=x1"]) == {"x3": "x1"}  # said twice, the same


MALFORMED = {
    "no table at all": ("Just prose.\n", 1, "no table found"),
    "unknown unit name": (table("| k11 | x1 |"), 3, "expected a unit name"),
    "unknown term": (table("| h11 | x1w1 + y7w2 |"), 3, "unknown term 'y7w2'"),
    "x3 without an alias": (table("| h11 | x3w3 |"), 3, "unknown term 'x3w3'"),
    "a known input mistyped": (table("| h11 | x2ww2 |"), 3, "x2 is an input: a typo"),
    "missing sign between terms": (table("| h11 | x1w1 x2w2 |"), 3, "expected + or - before"),
    "two signs in a row": (table("| h11 | x1w1 - - x2w2 |"), 3, "found another sign"),
    "trailing sign": (table("| h11 | x1w1 - |"), 3, "after the last sign"),
    "empty equation": (table("| h11 |  |"), 3, "the cell is empty"),
    "too many cells": (table("| h11 | x1 | x2 |"), 3, "expected 2 cells"),
    "unit named twice": (table("| h11 | x1 |\n| h12 | x2 |\n| h11 | -x1 |"), 5,
                         "h11 is given twice (first on line 3)"),
    "term twice with both signs": (table("| h11 | x1 - x2 + x1w1 - x1 |"), 3, "both signs"),
    "unit under another layer's heading": (table("| h21 | h11 |"), 3, "stands under"),
    "output unit under a hidden heading": (table("| o1 | h11 |"), 3, "stands under"),
    "layer-less name without a heading": ("| Unit | Equation |\n|---|---|\n| h1 | x1 |\n", 3,
                                          "which layer?"),
    "source from the wrong layer": (table("| h21 | h12 + h31 |", "Second Hidden Layer"), 3,
                                    "reads hidden layer 1"),
    "input in a deeper layer": (table("| h21 | x1 |", "Second Hidden Layer"), 3,
                                "not the input x1"),
    "unit in the first layer": (table("| h11 | h21 |"), 3, "reads the inputs"),
    "weight of another unit": (table("| h21 | h11w12 |", "Second Hidden Layer"), 3,
                               "w12 is not the weight of h11"),
    "two weights": (table("| h11 | w1x1w1 |"), 3, "expected one weight"),
    "unknown layer heading": ("| Third Hiden Layer | Equation |\n|---|---|\n| h31 | h21 |\n", 1,
                              "unknown heading"),
    "heading without rows": ("| First Hidden Layer | Equation |\n|---|---|\n\ntext\n", 1,
                             "no unit rows"),
    "unit zero": (table("| h10 | x1 |"), 3, "units count from 1"),
    "a layer wider than a network": (table("| h11 | x1 |\n| h1_101 | x2 |"), 4,
                                     "h1_101: a layer has at most 100 units"),
    "a source wider than a network": (table("| h11 | x1 |") + "\n" + table(
        "| h21 | h11 + h1_250 |", "Second Hidden Layer"), 7, "h1_250: a layer has at most 100 units"),
    "an output beyond the limit": (table("| o101 | x1 |", "Output Layer"), 3,
                                   "o101: a layer has at most 100 units"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_tables_name_the_line_and_what_was_expected(case):
    text, line, message = MALFORMED[case]
    with pytest.raises(TableError) as err:
        parse_tables(text, source="guess.md")
    assert err.value.line == line
    assert str(err.value).startswith(f"guess.md:{line}: ")
    assert message in str(err.value)


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(NneqError, match="no such file"):
        read_tables(tmp_path / "nothing.md")


def test_a_huge_table_is_refused_at_once():
    """2,000 predicted units would take minutes to align: refused at the first one too many."""
    rows = "\n".join(f"| h1_{i} | x1 - x2 |" for i in range(1, 2001))
    started = time.perf_counter()
    with pytest.raises(TableError) as err:
        parse_tables(table(rows), source="huge.md")
    assert time.perf_counter() - started < 5
    assert str(err.value).startswith("huge.md:103: h1_101: a layer has at most 100 units")
    assert parse_tables(table("\n".join(f"| h1_{i} | x1 |" for i in range(1, 101)))).layers[0] \
        .units[-1].name == "h1_100"


def test_units_are_named_as_nneq_equations_names_them():
    """h{layer}{unit} below ten units, h{layer}_{unit} for a layer of ten or more, however written."""
    nine = parse_tables(table("\n".join(f"| h1_{i} | x1 |" for i in range(1, 10))))
    assert [u.name for u in nine.layers[0].units] == [f"h1{i}" for i in range(1, 10)]
    ten = parse_tables(table("\n".join(f"| h1{i} | x1 |" for i in range(1, 11))))
    assert [u.name for u in ten.layers[0].units] == [f"h1_{i}" for i in range(1, 11)]
    # A source naming the tenth unit makes the whole layer ten wide, in both tables.
    sourced = parse_tables(table("| h11 | x1 |\n| h12 | x2 |") + "\n"
                           + table("| h21 | h11 - h1_10 |", "Second Hidden Layer"))
    assert [u.name for u in sourced.layers[0].units] == ["h1_1", "h1_2"]
    assert [t.source for t in sourced.layers[1].units[0].terms] == ["h1_1", "h1_10"]
    assert [t.text for t in sourced.layers[1].units[0].terms] == ["h11", "h1_10"]  # as written


def test_deep_layer_headings_read_back():
    """'13th Hidden Layer', '21st Hidden Layer': the titles nneq writes beyond the words."""
    text = "\n\n".join(
        table(f"| h{n}_1 | {'x1' if n == 1 else f'h{n - 1}_1'} |", layer_title(n, 22))
        for n in range(1, 23))
    prediction = parse_tables(text)
    assert prediction.depth == 22
    assert [la.title for la in prediction.layers][12:] == [layer_title(n, 22) for n in range(13, 23)]
    assert prediction.layers[20].title == "21st Hidden Layer"
    assert prediction.layers[21].units[0].name == "h22_1"
