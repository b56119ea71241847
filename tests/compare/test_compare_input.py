"""``boostfocal compare`` on odd tables: the positive class without ``--positive``, infinite values,
repeated header names, byte-order marks, labels with surrounding spaces, a 3,000-column table.

Through ``subprocess``, as a user meets them: bad input is one line on stderr, exit status 2,
no traceback and nothing written; accepted input says what it did.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

for _mod in ("pandas", "sklearn", "scipy", "xgboost"):
    pytest.importorskip(_mod)

import pandas as pd

from boostfocal import compare
from boostfocal._study._data import prepare_target

CHEAP = ["--cv", "2", "--repeats", "1", "--budget", "1", "--n-estimators", "5", "--quiet"]


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "boostfocal", "compare", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _frame(n: int = 200, seed: int = 0, labels: tuple[str, str] = ("defaulted", "paid")) -> pd.DataFrame:
    """Two features and a 'status' target with about 15 % of ``labels[0]``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    rare = x[:, 0] + rng.normal(scale=0.7, size=n) > 1.4
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "status": np.where(rare, *labels)})


def _assert_refused(proc: subprocess.CompletedProcess[str], match: str, folder: Path, before: list[str]) -> None:
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("boostfocal compare: error: "), proc.stderr
    assert match in lines[0], lines[0]
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in folder.rglob("*")) == before  # nothing written, --out not created


# ---------------------------------------------------------------- the positive class
def test_minority_positive_although_it_sorts_first(tmp_path: Path):
    """defaulted / paid with paid the majority and sorting last: defaulted is the positive class."""
    frame = _frame()
    assert (frame.status == "paid").mean() > 0.7
    path = tmp_path / "credit.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "report"
    proc = _run(str(path), "--target", "status", *CHEAP, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0]
    n_rare = int((frame.status == "defaulted").sum())
    assert first == (
        f"boostfocal compare: binary target, positive class 'defaulted' ({n_rare} of 200 rows, {n_rare / 200:.1%})"
    )
    assert "warning" not in proc.stdout
    lines = proc.stdout.splitlines()
    assert lines[1] == "boostfocal compare: 6 fits (3 method runs x 1 configurations x 2 folds x 1 repeats)"
    assert re.fullmatch(
        r"boostfocal compare: about \d+ (s|min) more for the other 3 fits \(from the first 3\)", lines[2]
    )
    results = json.loads((out / "results.json").read_text())
    assert results["classes"] == ["paid", "defaulted"]
    assert results["positive_rate"] == pytest.approx(n_rare / 200)


def test_majority_positive_gets_a_warning(tmp_path: Path):
    frame = _frame()
    path = tmp_path / "credit.csv"
    frame.to_csv(path, index=False)
    proc = _run(str(path), "--target", "status", "--positive", "paid", *CHEAP)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("boostfocal compare: binary target, positive class 'paid'")
    assert lines[1].startswith("boostfocal compare: warning: the positive class 'paid' is the majority")
    assert "measure the common class" in lines[1] and "--positive" in lines[1]


@pytest.mark.parametrize(
    "values,expected",
    [
        ([0, 1], 1),
        ([1, 0], 1),
        ([False, True], True),
        ([True, False], True),
        (["true", "false"], "true"),
        (["no", "yes"], "no"),  # not 0/1 or false/true: the minority
        (["yes", "no"], "yes"),
        ([2, 7], 2),
    ],
    ids=["01-rare-1", "01-common-1", "bool-rare-true", "bool-common-true", "text-true", "no-yes", "yes-no", "2-7"],
)
def test_default_positive_rule(values, expected):
    """The first value holds 20 % of the rows: 0/1 and false/true keep 1 / true, other pairs the minority."""
    y = np.array([values[0]] * 20 + [values[1]] * 80, dtype=object)
    target = prepare_target(y)
    assert target.positive == expected
    assert target.codes.sum() == (20 if values[0] == expected else 80)
    assert (target.majority_warning() is not None) == (values[1] == expected)


def test_a_tie_takes_the_larger_label_in_python_and_is_refused_on_the_command_line(tmp_path: Path):
    y = np.array(["cat", "dog"] * 50)
    target = prepare_target(y)
    assert target.positive == "dog" and any("as many rows of each class" in n for n in target.notes)
    frame = _frame(100).assign(status=y)
    path = tmp_path / "tie.csv"
    frame.to_csv(path, index=False)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    proc = _run(str(path), "--target", "status", *CHEAP, "--out", str(tmp_path / "out"))
    _assert_refused(
        proc, "as many 'cat' as 'dog' rows (50 each): name the class of interest with --positive", tmp_path, before
    )


def test_python_api_warns_when_the_positive_class_is_the_majority():
    X = np.random.default_rng(0).normal(size=(120, 3))
    y = np.r_[np.ones(100, dtype=int), np.zeros(20, dtype=int)]
    kw = {"cv": 2, "repeats": 1, "budget": 1, "n_estimators": 5, "progress": False, "methods": ["log_loss", "focal"]}
    with pytest.warns(UserWarning, match="positive class 1 is the majority"):
        result = compare(X, y, **kw)
    assert result.positive == 1 and any("is the majority" in n for n in result.notes)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compare(X, 1 - y, **kw)  # 1 is the minority: no warning


# ---------------------------------------------------------------- refused tables
def _bad_tables(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    frame = _frame()
    inf = frame.copy()
    inf.loc[[3, 9], "b"] = [np.inf, -np.inf]
    inf.to_csv(tmp_path / "inf.csv", index=False)
    (tmp_path / "dup.csv").write_text("a,b,a,status\n" + "".join(f"{i},{i % 5},{i % 3},{i % 2}\n" for i in range(60)))
    cases = {
        "infinite": (tmp_path / "inf.csv", "infinite values in feature column(s) 'b' (2 rows)"),
        "repeated-header": (tmp_path / "dup.csv", "names the column(s) 'a' more than once in its header"),
    }
    if importlib.util.find_spec("pyarrow") is not None:
        import pyarrow as pa
        import pyarrow.feather as feather

        inf.assign(c=np.where(frame.a > 0, np.inf, 0.0).astype(np.float32)).to_parquet(tmp_path / "inf.parquet")
        cases["infinite-parquet"] = (
            tmp_path / "inf.parquet",
            "infinite values in feature column(s) 'b' (2 rows), 'c' (",
        )
        columns = [pa.array(frame[c].to_numpy()) for c in ("a", "b", "status")]
        feather.write_feather(pa.Table.from_arrays(columns, names=["a", "a", "status"]), tmp_path / "dup.feather")
        cases["repeated-feather"] = (tmp_path / "dup.feather", "has the column name(s) 'a' more than once")
    return cases


BAD = ["infinite", "repeated-header", "infinite-parquet", "repeated-feather"]


@pytest.mark.parametrize("case", BAD, ids=BAD)
def test_bad_tables_are_one_line_and_status_2(case: str, tmp_path: Path):
    cases = _bad_tables(tmp_path)
    if case not in cases:
        pytest.skip("needs pyarrow")
    path, match = cases[case]
    before = sorted(p.name for p in tmp_path.rglob("*"))
    proc = _run(str(path), "--target", "status", *CHEAP, "--out", str(tmp_path / "out"))
    _assert_refused(proc, match, tmp_path, before)


def test_infinite_values_are_refused_in_python_before_training():
    X = np.random.default_rng(0).normal(size=(100, 3))
    X[5, 2] = np.inf
    y = np.r_[np.ones(30), np.zeros(70)]
    with pytest.raises(ValueError, match=r"infinite values in feature column\(s\) 'x2' \(1 row\)"):
        compare(X, y, cv=2, progress=False)


# ---------------------------------------------------------------- accepted tables, documented behaviour
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"], ids=["utf8-bom", "utf16-bom"])
def test_byte_order_mark_is_read(encoding: str, tmp_path: Path):
    """A byte-order mark does not end up in the first column's name ('\\ufeffa' would not match --target a)."""
    frame = _frame()[["status", "a", "b"]]
    path = tmp_path / "bom.csv"
    path.write_text(frame.to_csv(index=False), encoding=encoding)
    assert path.read_bytes()[:2] in (b"\xef\xbb", b"\xff\xfe", b"\xfe\xff")
    proc = _run(str(path), "--target", "status", *CHEAP)
    assert proc.returncode == 0, proc.stderr
    assert "positive class 'defaulted'" in proc.stdout.splitlines()[0]


def test_labels_lose_their_surrounding_spaces(tmp_path: Path):
    """' paid' and 'paid' are one class (not a third one), said in a note."""
    frame = _frame()
    frame["status"] = frame.status.where(np.arange(200) % 3 != 0, " " + frame.status + "  ")
    path = tmp_path / "spaces.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "report"
    proc = _run(str(path), "--target", "status", *CHEAP, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["task"] == "binary" and sorted(results["classes"]) == ["defaulted", "paid"]
    assert any("surrounding spaces removed from" in n for n in results["notes"])
    assert "surrounding spaces removed" in proc.stdout


def test_positive_with_spaces_and_blank_labels():
    y = pd.Series([" yes"] * 30 + ["no "] * 60 + ["   "] * 2)
    with pytest.raises(ValueError, match="2 missing value"):
        prepare_target(y)
    target = prepare_target(y, positive="yes ", drop_missing=True)
    assert target.positive == "yes" and target.codes.sum() == 30 and target.codes.shape == (90,)


def test_a_3000_column_table_runs(tmp_path: Path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(120, 3000)).astype(np.float32), columns=[f"f{i}" for i in range(3000)])
    frame["y"] = (frame.f0 + rng.normal(scale=0.5, size=120) > 0.8).astype(int)
    path = tmp_path / "wide.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "report"
    proc = _run(str(path), "--target", "y", *CHEAP, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["n_features"] == 3000 and results["classes"] == ["0", "1"]


# ---------------------------------------------------------------- Ctrl-C
def test_ctrl_c_is_one_line_status_130_and_nothing_written(tmp_path: Path):
    """SIGINT in the middle of the study: one line, exit status 130, no traceback, no --out folder."""
    import signal
    import time

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(3000, 8)), columns=[f"f{i}" for i in range(8)])
    frame["y"] = (frame.f0 + rng.normal(size=3000) > 1.5).astype(int)
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "report"
    proc = subprocess.Popen(
        [sys.executable, "-m", "boostfocal", "compare", str(path), "--target", "y", "--quiet", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # printed once the study is planned, just before training
    assert first.startswith("boostfocal compare: binary target"), first
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines() == ["boostfocal compare: interrupted; nothing written"], stderr
    assert "best focal minus" not in stdout
    assert not out.exists()


def test_an_interrupted_save_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """All or nothing: an interruption while the files are written removes them and the new folder."""
    from boostfocal._study import _report

    X = np.random.default_rng(1).normal(size=(120, 3))
    y = np.r_[np.ones(30, dtype=int), np.zeros(90, dtype=int)]
    result = compare(X, y, cv=2, repeats=1, budget=1, n_estimators=5, progress=False, methods=["log_loss", "focal"])
    calls = []
    real: Any = Path.write_text

    def interrupted(self: Path, *args: object, **kwargs: object) -> int:
        calls.append(self.name)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return int(real(self, *args, **kwargs))

    monkeypatch.setattr(Path, "write_text", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _report.write_report(result, tmp_path / "report")
    assert not (tmp_path / "report").exists() and len(calls) == 3


# ---------------------------------------------------------------- delimiters and formats by content
@pytest.mark.parametrize(
    "sep,name", [(";", "semicolon"), ("|", "pipe"), ("\t", "tab")], ids=["semicolon", "pipe", "tab"]
)
def test_the_delimiter_is_read_from_the_header(sep: str, name: str, tmp_path: Path):
    frame = _frame()
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False, sep=sep)
    out = tmp_path / "report"
    proc = _run(str(path), "--target", "status", *CHEAP, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert f"its header has no comma but 2 {name}(s): read as {name}-separated" in proc.stdout
    results = json.loads((out / "results.json").read_text())
    assert results["n_features"] == 2 and sorted(results["classes"]) == ["defaulted", "paid"]


def test_a_comma_file_keeps_its_commas(tmp_path: Path):
    """Semicolons inside a comma file's values do not change the delimiter."""
    frame = _frame().assign(b=lambda d: np.where(d.a > 0, "x;y", "z"))
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    proc = _run(str(path), "--target", "status", *CHEAP)
    assert proc.returncode == 0, proc.stderr
    assert "separated" not in proc.stdout and "text column 'b' used as categorical (2 levels)" in proc.stdout


@pytest.mark.parametrize("fmt", ["parquet", "feather"])
def test_a_file_whose_extension_lies_is_read_by_its_content(fmt: str, tmp_path: Path):
    pytest.importorskip("pyarrow")
    frame = _frame()
    path = tmp_path / "t.csv"
    getattr(frame, f"to_{fmt}")(path)
    proc = _run(str(path), "--target", "status", *CHEAP)
    assert proc.returncode == 0, proc.stderr
    title = {"parquet": "Parquet", "feather": "Feather"}[fmt]
    assert f"is a {title} file by its content: read as {title}" in proc.stdout


def test_a_zip_named_csv_is_refused(tmp_path: Path):
    import zipfile

    path = tmp_path / "book.csv"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("sheet.xml", "<x/>")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    proc = _run(str(path), "--target", "status", *CHEAP, "--out", str(tmp_path / "out"))
    _assert_refused(proc, "is a zip archive (an Excel workbook?): export the sheet as CSV or Parquet", tmp_path, before)


# ---------------------------------------------------------------- identifier columns
def _with_identifiers(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    frame = _frame(n)
    frame.insert(0, "rownames", np.arange(1, n + 1))  # consecutive
    frame["customer_id"] = rng.permutation(n) * 7 + 1000  # named like an id, distinct, no order
    frame["ticket"] = np.arange(n) * 3 + 11  # distinct, in row order
    frame["amount"] = rng.gamma(2.0, 50.0, size=n).round(2)  # distinct floats: a feature
    frame["event_time"] = rng.permutation(n) * 60 + 1_700_000_000  # distinct integers in no order: a feature
    frame["store_id"] = rng.integers(0, 8, size=n)  # named like an id, repeated: a feature
    return frame


def test_identifier_columns_are_left_out_with_a_note(tmp_path: Path):
    path = tmp_path / "ids.csv"
    _with_identifiers().to_csv(path, index=True)  # the index becomes a leading unnamed column
    out = tmp_path / "report"
    proc = _run(str(path), "--target", "status", *CHEAP, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    for name, why in [
        ("Unnamed: 0", "a leading unnamed column"),
        ("rownames", "integers, all distinct and consecutive"),
        ("customer_id", "named like an identifier"),
        ("ticket", "integers, all distinct and in row order"),
    ]:
        assert f"identifier column {name!r} left out ({why}" in proc.stdout, name
    for name in ("amount", "event_time", "store_id", "'a'"):
        assert f"identifier column {name!r}" not in proc.stdout
    assert json.loads((out / "results.json").read_text())["n_features"] == 5  # a, b, amount, event_time, store_id


def test_keep_overrides_the_identifier_rule(tmp_path: Path):
    path = tmp_path / "ids.csv"
    _with_identifiers().to_csv(path, index=False)
    out = tmp_path / "report"
    proc = _run(str(path), "--target", "status", "--keep", "ticket", *CHEAP, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "identifier column 'ticket'" not in proc.stdout and "identifier column 'rownames'" in proc.stdout
    assert json.loads((out / "results.json").read_text())["n_features"] == 6
    before = sorted(p.name for p in tmp_path.rglob("*"))
    proc = _run(str(path), "--target", "status", "--keep", "tickets", *CHEAP, "--out", str(tmp_path / "x"))
    _assert_refused(proc, "--keep 'tickets' is not a column", tmp_path, before)
