"""Every reader: good files load, bad files raise InputError naming line and column."""

from pathlib import Path

import numpy as np
import pytest

from multipolar.bargaining.readers import load_issues
from multipolar.core.errors import InputError


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def problem(path, fmt=None):
    with pytest.raises(InputError) as exc:
        load_issues(path, fmt)
    return exc.value.problems[0]


# ------------------------------------------------------------------ simple CSV
GOOD_CSV = "Actor,Capability,Position,Salience\nA,1,10,50\nB,2,90,100\n"


def test_simple_csv_loads(tmp_path):
    iss = load_issues(write(tmp_path, "x.csv", GOOD_CSV))
    assert iss.actors == ["A", "B"]
    np.testing.assert_allclose(iss.salience, [[0.5, 1.0]])


@pytest.mark.parametrize(("row", "line", "col", "field", "words"), [
    ("C,1,50,", 4, 8, "Salience", "missing salience"),
    ("C,1,150,50", 4, 5, "Position", "above 100"),
    ("C,1,50,120", 4, 8, "Salience", "above 100"),
    ("C,1,50,-5", 4, 8, "Salience", "below 0"),
    ("C,big,50,50", 4, 3, "Capability", "not a number"),
])
def test_simple_csv_errors(tmp_path, row, line, col, field, words):
    p = problem(write(tmp_path, "x.csv", GOOD_CSV + row + "\n"))
    assert (p.line, p.column, p.field) == (line, col, field)
    assert words in p.message and p.fix


def test_simple_csv_truncated_row(tmp_path):
    p = problem(write(tmp_path, "x.csv", GOOD_CSV + "C,1\n"))
    assert p.line == 4 and "truncated" in (p.fix or "")


def test_simple_csv_header_only(tmp_path):
    p = problem(write(tmp_path, "x.csv", "Actor,Capability,Position,Salience\n"))
    assert "no actor rows" in p.message


# ------------------------------------------------------------------ KTAB CSV
KTAB = ("demo,a test,3,2\nActor,Description,Power,Pstn1,Sal1,Pstn2,Sal2\n"
        "A,first,10,20,40,80,30\nB,second,20,60,50,10,50\nC,third,5,90,20,50,70\n")


def test_ktab_loads_dimensions_as_issues(tmp_path):
    iss = load_issues(write(tmp_path, "k.csv", KTAB))
    assert iss.issue_ids == ["Pstn1", "Pstn2"] and iss.actors == ["A", "B", "C"]
    np.testing.assert_allclose(iss.position[:, 1], [60, 10])
    np.testing.assert_allclose(iss.capability[1], [10, 20, 5])


def test_ktab_salience_sum_over_100(tmp_path):
    p = problem(write(tmp_path, "k.csv", KTAB.replace("C,third,5,90,20,50,70",
                                                      "C,third,5,90,50,50,70")))
    assert p.line == 5 and "sum to 120" in p.message


def test_ktab_truncated(tmp_path):
    p = problem(write(tmp_path, "k.csv", "\n".join(KTAB.splitlines()[:4]) + "\n"))
    assert "announces 3 actors" in p.message and "truncated" in (p.fix or "")


def test_ktab_position_out_of_scale_and_bad_power(tmp_path):
    text = KTAB.replace("A,first,10,20", "A,first,x,-20")
    with pytest.raises(InputError) as exc:
        load_issues(write(tmp_path, "k.csv", text))
    got = {(q.line, q.field) for q in exc.value.problems}
    assert {(3, "Power"), (3, "Pstn1")} <= got
    cols = {q.field: q.column for q in exc.value.problems}
    assert cols["Power"] == len("A,first,") + 1


def test_ktab_bad_first_line(tmp_path):
    p = problem(write(tmp_path, "k.csv", "demo,desc\n"))
    assert p.line == 1


# ------------------------------------------------------------------ DEU TSV
def deu_text(rows: list[str]) -> str:
    head = "\t".join(['"isnr"', '"proc"', '"pcom"', '"pde"', '"scom"', '"sde"', '"rp"', '"out"'])
    cap = "\t".join(["", "", "4.1", "4.1", "", "", "", ""])
    return "\n".join([head, cap, *rows]) + "\n"


def test_deu_loads_blank_as_absent(tmp_path):
    iss = load_issues(write(tmp_path, "d.tsv", deu_text(['"i1"\t"COD"\t100\t\t50\t0\t0\t70'])))
    assert iss.mask.tolist() == [[True, False]]
    assert iss.observed[0] == 70 and iss.reference[0] == 0


@pytest.mark.parametrize(("row", "field", "words"), [
    ('"i1"\t"COD"\t120\t50\t50\t50\t0\t70', "pcom", "above 100"),
    ('"i1"\t"COD"\t20\t50\t-1\t50\t0\t70', "scom", "below 0"),
    ('"i1"\t"COD"\t20\t50\t150\t50\t0\t70', "scom", "above 100"),
    ('"i1"\t"COD"\t20\tabc\t50\t50\t0\t70', "pde", "not a number"),
])
def test_deu_errors(tmp_path, row, field, words):
    p = problem(write(tmp_path, "d.tsv", deu_text([row])))
    assert p.line == 3 and p.field == field and words in p.message and p.column


def test_deu_truncated_row(tmp_path):
    p = problem(write(tmp_path, "d.tsv", deu_text(['"i1"\t"COD"\t20'])))
    assert p.line == 3 and "truncated" in (p.fix or "")


def test_deu_bad_capability_row(tmp_path):
    text = deu_text(['"i1"\t"COD"\t20\t50\t50\t50\t0\t70']).replace("4.1", "many", 1)
    p = problem(write(tmp_path, "d.tsv", text))
    assert p.line == 2 and p.field == "pcom"


def test_deu_only_header(tmp_path):
    p = problem(write(tmp_path, "d.tsv", deu_text([]).split("\n")[0] + "\n"))
    assert "needs a header" in p.message


def test_bundled_deu_file():
    iss = load_issues("deu3_train.tsv")
    assert iss.n_issues == 179 and iss.n_actors == 30
    assert iss.actors[:2] == ["com", "ep"]
    assert iss.capability[0, 0] == 4.1


# ------------------------------------------------------------------ YAML
GOOD_YAML = """issue: t
scale: {low: 0, high: 10}
actors:
  - {name: A, position: 2, salience: 50, capability: 1}
  - name: B
    position: 8
    salience: 60
    capability: 2
"""


def test_yaml_loads(tmp_path):
    iss = load_issues(write(tmp_path, "t.yaml", GOOD_YAML))
    assert iss.actors == ["A", "B"] and iss.high[0] == 10


@pytest.mark.parametrize(("old", "new", "line", "words"), [
    ("    position: 8", "    position: 18", 6, "outside the scale"),
    ("    salience: 60", "    salience: 160", 7, "less than or equal to 100"),
    ("    capability: 2", "    capability: lots", 8, "valid number"),
    ("    salience: 60\n", "", 5, "salience"),
])
def test_yaml_errors(tmp_path, old, new, line, words):
    p = problem(write(tmp_path, "t.yaml", GOOD_YAML.replace(old, new)))
    assert p.line == line and p.column is not None
    assert words in p.message or words in (p.field or "")


def test_yaml_syntax_error(tmp_path):
    p = problem(write(tmp_path, "t.yaml", "issue: [\n"))
    assert p.line is not None and "YAML" in p.message


def test_missing_file():
    p = problem("no/such/file.csv")
    assert "not found" in p.message


# ------------------------------------------------------------------ scale descriptions
def test_every_bundled_russia_issue_describes_its_scale():
    from multipolar.bargaining.readers import bundled_issue

    for name in ("belarus-gas-price", "eaeu-integration-depth", "eaeu-silk-road-linkage",
                 "karabakh-settlement"):
        text = load_issues(bundled_issue(name)).scale_text(0)
        assert text.startswith("0 = ") and "... 100 = " in text and "(" in text, name
    gas = load_issues("belarus-gas-price").scale_text(0)
    assert "gas given away" in gas and "per cent of the European netback price" in gas


def test_scale_text_of_files_without_words(tmp_path):
    from multipolar.bargaining.readers import DEU_SCALE

    assert load_issues(write(tmp_path, "x.csv", GOOD_CSV)).scale_text(0) == \
        "0..100 (the file does not describe its ends)"
    assert load_issues("deu3_train.tsv").subset([3]).scale_text(0) == DEU_SCALE
    assert load_issues(write(tmp_path, "t.yaml", GOOD_YAML)).scale_text(0) == \
        "0 = (low end) ... 10 = (high end)"


def test_bargaining_output_names_the_scale():
    from typer.testing import CliRunner

    from multipolar.bargaining import outcome_dict
    from multipolar.bargaining.models import get_model
    from multipolar.cli.main import app

    iss = load_issues("belarus-gas-price")
    doc = outcome_dict(iss, get_model("compromise").run(iss))
    assert doc["scale"] == iss.scale_text(0)
    res = CliRunner().invoke(app, ["bargain", "run", "eaeu-integration-depth"])
    assert res.exit_code == 0, res.output
    assert "scale: 0 = loose free-trade club" in " ".join(res.output.split())


def test_readme_shows_real_output_of_a_russia_issue():
    from multipolar.bargaining.models import get_model

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    iss = load_issues("belarus-gas-price")
    res = get_model("bdm").run(iss)
    assert f"belarus-gas-price  model bdm: predicted {res.predicted[0]:.3f}" in readme
    assert f"{iss.scale_text(0)[:40]}" in readme
