"""``boostfocal fit STUDY_DIR DATA --out MODEL_DIR`` and ``boostfocal predict MODEL_DIR DATA --out CSV``.

``fit`` trains the study's recommended configuration (its round count) on every row of DATA, which
must have the study's columns, and writes the model folder: the native model file (``model.json``
for XGBoost, ``model.txt`` for LightGBM), ``preparation.json``, ``loss.json``, ``model_card.json``
and ``model_card.md`` (and ``model.onnx`` when ``boostfocal.to_onnx`` and the ``onnx`` extra exist).
``predict`` replays the preparation and writes posterior estimates (the header says so) and labels.

A model folder is data, not code: JSON and the library's own model file; nothing is unpickled.
Bad input is one line on stderr and exit status 2, before anything is written; Ctrl-C is one line
and exit status 130, nothing written.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ._cli import UsageError, _open_unit, _Parser

__all__ = ["fit_main", "predict_main"]

STUDY_FILES = ("recommended.json", "results.json", "preparation.json")
MODEL_FILES = ("model_card.json", "preparation.json")


def _read_json(folder: Path, names: Sequence[str], what: str, hint: str) -> dict[str, Any]:
    if not folder.is_dir():
        raise UsageError(f"{str(folder)!r} is not a folder; {hint}")
    lost = [n for n in names if not (folder / n).is_file()]
    if lost:
        raise UsageError(f"{str(folder)!r} is not {what} (no {', '.join(lost)}); {hint}")
    out = {}
    for name in names:
        try:
            out[name] = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UsageError(f"{str(folder / name)!r} is not readable JSON: {exc}") from None
    return out


def _read_data(path: str) -> tuple[Any, list[str]]:
    from ._io import TableError, read_table

    notes: list[str] = []
    try:
        frame = read_table(path, notes)
    except TableError as exc:
        raise UsageError(str(exc)) from None
    frame.columns = [str(c) for c in frame.columns]
    return frame, notes


def _preparation(record: dict[str, Any]) -> Any:
    from ._features import Preparation

    try:
        return Preparation.from_dict(record)
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"preparation.json: {exc}") from None


def _names(names: Sequence[str]) -> str:
    return ", ".join(repr(n) for n in names)


def _check_fit_columns(frame: Any, prep: Any, data: str) -> None:
    """The study's target, feature and weight columns present; no column the study did not have."""
    have = list(frame.columns)
    if not prep.target:
        raise UsageError(
            "the study was run from Python and does not name its target column; use result.fit_recommended(X, y)"
        )
    lost_target = [t for t in prep.target if t not in have]
    if lost_target:
        raise UsageError(
            f"the study's target column(s) {_names(lost_target)} are not in {data!r}; fit needs the labels"
        )
    needed = [*prep.names, *([prep.weight] if prep.weight else [])]
    known = {*needed, *prep.target, *prep.dropped}
    missing = [n for n in needed if n not in have]
    extra = [n for n in have if n not in known]
    if missing or extra:
        parts = ([f"missing {_names(missing)}"] if missing else []) + ([f"extra {_names(extra)}"] if extra else [])
        raise UsageError(f"the columns of {data!r} do not match the study's: {'; '.join(parts)}")


def _weights(frame: Any, column: str | None) -> Any:
    if column is None:
        return None
    import numpy as np
    import pandas as pd

    col = frame[column]
    if not pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
        raise UsageError(f"weight column {column!r} must be numeric, got dtype {col.dtype}")
    w = col.to_numpy(dtype="float64", na_value=np.nan)
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise UsageError(f"weight column {column!r} must be finite and >= 0 in every row")
    return w


def _write_files(out: Path, contents: dict[str, str], writers: dict[str, Callable[[Path], Any]]) -> None:
    """All or nothing: each file written beside its name, then renamed into place; on any error (or
    Ctrl-C) the partial files go, and the folder when this call made it."""
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    names = [*writers, *contents]
    partial = {name: out / f".partial-{name}" for name in names}  # the extension stays: XGBoost reads it
    try:
        for name, write in writers.items():
            write(partial[name])
        for name, text in contents.items():
            partial[name].write_text(text, encoding="utf-8")
        for name in names:
            if partial[name].exists():
                partial[name].replace(out / name)
    except BaseException:
        for tmp in partial.values():
            tmp.unlink(missing_ok=True)
        if created and not any(out.iterdir()):
            out.rmdir()
        raise


# ---------------------------------------------------------------- fit
#: The --help texts of what both commands have, fit's then predict's (SOURCE: its name and its help).
COMMAND_HELP: dict[str, tuple[Any, Any]] = {
    "description": (
        "Train the recommended configuration of a compare study on every row of DATA and write a "
        "model folder (native model file, preparation, loss record, model card).",
        "Apply a model folder written by boostfocal fit to DATA: the study's preparation, then the "
        "model; writes posterior estimates (default) and labels as CSV.",
    ),
    "source": (("study", "the --out folder of boostfocal compare"), ("model", "the --out folder of boostfocal fit")),
    "data": (
        "the table to train on, with the study's columns (the study's table, or more rows)",
        "the table to score, with the model's feature columns",
    ),
    "--out": ("the model folder to write", "the CSV file to write"),
}


def _command_parser(command: str) -> _Parser:
    """The parser of ``boostfocal fit`` or ``predict`` with what both have: ``SOURCE DATA --out OUT``."""
    text = {key: pair[("fit", "predict").index(command)] for key, pair in COMMAND_HELP.items()}
    p = _Parser(prog=f"boostfocal {command}", description=text["description"])
    p.add_argument(text["source"][0], type=Path, help=text["source"][1])
    p.add_argument("data", help=text["data"])
    p.add_argument("--out", type=Path, required=True, help=text["--out"])
    return p


def _fit_parser() -> argparse.ArgumentParser:
    p = _command_parser("fit")
    p.add_argument("--overwrite", action="store_true", help="replace the files of a non-empty --out folder")
    return p


def _fit(args: argparse.Namespace) -> tuple[Path, list[str], dict[str, Any]]:
    from ._report import check_out_dir

    hint = "give the --out folder of boostfocal compare"
    study = _read_json(args.study, STUDY_FILES, "a compare study folder", hint)
    card, results, prep_record = (study[n] for n in STUDY_FILES)
    prep = _preparation(prep_record)
    try:
        check_out_dir(args.out, overwrite=args.overwrite, cli=True)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    frame, notes = _read_data(args.data)
    _check_fit_columns(frame, prep, args.data)
    from ._data import encode_target

    encoding = prep_record["encoding"]
    columns = list(prep.target)
    y = frame[columns[0]] if len(columns) == 1 else frame[columns]
    name = f"--target {columns[0]!r}" if len(columns) == 1 else "--target"
    try:
        target = encode_target(y, encoding, drop_missing=bool(prep_record.get("drop_missing_target")), name=name)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{args.data!r}: {exc}") from None
    if target.keep is not None:
        frame, y = frame[target.keep], y[target.keep]
    w = _weights(frame, prep.weight)
    return _train(args, card, results, prep, encoding, frame, y, w, notes + target.notes)


def _train(
    args: argparse.Namespace, card: dict, results: dict, prep: Any, encoding: dict, X: Any, y: Any, w: Any, notes: list
) -> tuple[Path, list[str], dict[str, Any]]:
    import numpy as np

    from ._card import card_markdown, model_card
    from ._data import encode_target
    from ._model import MODEL_FILES as NATIVE
    from ._model import export_onnx, fit_pipeline, native_loss, onnx_ready, save_native

    try:
        pipe = fit_pipeline(card, prep, encoding, X, y, w)
    except (ValueError, TypeError) as exc:  # the data the study would have refused
        raise UsageError(str(exc)) from None
    library, model = card["library"], pipe.steps[-1][1]
    labels = [str(c) for c in encoding["classes"]]
    if encoding["task"] == "multilabel":
        per_class = np.asarray(y, dtype=np.float64).sum(axis=0)
    else:
        per_class = np.bincount(encode_target(y, encoding).codes, minlength=len(labels))
    counts = {lab: int(n) for lab, n in zip(labels, per_class, strict=True)}
    writers: dict[str, Callable[[Path], Any]] = {NATIVE[library]: lambda path: save_native(pipe, library, path)}
    if onnx_ready():
        writers["model.onnx"] = lambda path: export_onnx(model, True, path, native_loss(card, encoding["task"]))
    files = {"model": NATIVE[library], "onnx": "model.onnx" if "model.onnx" in writers else None}
    mc = model_card(
        card=card,
        results=results,
        encoding=encoding,
        rule=pipe.posterior or {"kind": "identity"},
        files=files,
        data={"file": str(args.data), "n_rows": int(X.shape[0]), "class_counts": counts},
        notes=notes,
    )
    contents = {
        "preparation.json": json.dumps({**prep.to_dict(), "encoding": encoding}, indent=2) + "\n",
        "loss.json": json.dumps({"loss": card["loss"], "posterior_rule": pipe.posterior}, indent=2) + "\n",
        "model_card.json": json.dumps(mc, indent=2) + "\n",
        "model_card.md": card_markdown(mc),
    }
    _write_files(args.out, contents, writers)
    return args.out, notes, mc


def fit_main(argv: Sequence[str] | None = None) -> int:
    """Run ``boostfocal fit``; returns the exit status (2: bad input, 130: interrupted)."""
    return _run("boostfocal fit", _fit_parser, _fit_report, argv)


def _fit_report(args: argparse.Namespace) -> None:
    out, notes, mc = _fit(args)
    print(
        f"boostfocal fit: {mc['method']} with {mc['library']}, {mc['rounds']} rounds, on {mc['data']['n_rows']:,} "
        f"rows; written to {out}/ ({mc['files']['model']}, preparation.json, loss.json, model_card.md, model_card.json"
        + (", model.onnx" if mc["files"]["onnx"] else "")
        + ")"
    )
    for note in notes:
        print(f"note: {note}")


def _run(prog: str, parser: Callable[[], argparse.ArgumentParser], body: Callable[..., None], argv: Any) -> int:
    try:
        args = parser().parse_args(argv)
        body(args)
    except UsageError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; nothing written", file=sys.stderr)
        return 130
    except ImportError as exc:
        print(f'{prog}: error: {exc}; install the requirements: pip install "boostfocal[compare]"', file=sys.stderr)
        return 2
    return 0


# ---------------------------------------------------------------- predict
def _predict_parser() -> argparse.ArgumentParser:
    p = _command_parser("predict")
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--threshold", type=_open_unit, help="label positive when the posterior is >= T (binary, multi-label)"
    )
    how.add_argument(
        "--precision",
        type=_open_unit,
        help="label at the posterior threshold the study found for this precision (the study's --precision; binary)",
    )
    p.add_argument(
        "--output",
        choices=("posterior", "model"),
        default="posterior",
        help="posterior: posterior estimates (default); model: the model's own probabilities (focal: under-confident)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    return p


def _threshold(args: argparse.Namespace, mc: dict[str, Any]) -> float | None:
    task = mc["target"]["task"]
    if (args.threshold is not None or args.precision is not None) and task == "multiclass":
        raise UsageError(
            "--threshold / --precision are for binary and multi-label models; multiclass labels are the largest "
            "posterior"
        )
    if args.precision is None:
        return args.threshold
    stored = mc.get("threshold_at_precision")
    if not stored:
        raise UsageError("--precision: this model stores no threshold (binary models only); use --threshold T")
    if abs(stored["target_precision"] - args.precision) > 1e-12:
        raise UsageError(
            f"--precision {args.precision:g}: the study stored the threshold for precision "
            f"{stored['target_precision']:g} only (its --precision); rerun compare with --precision "
            f"{args.precision:g}, or use --threshold T"
        )
    if stored.get("threshold") is None:
        raise UsageError(f"--precision {args.precision:g}: no threshold reached it in the study; use --threshold T")
    return float(stored["threshold"])


def _predict(args: argparse.Namespace) -> tuple[int, list[str]]:
    import numpy as np
    import pandas as pd

    from ._model import native_probabilities, posterior_from_proba

    hint = "give the --out folder of boostfocal fit"
    folder = _read_json(args.model, MODEL_FILES, "a boostfocal model folder", hint)
    mc, prep_record = folder["model_card.json"], folder["preparation.json"]
    if mc.get("kind") != "boostfocal model":
        raise UsageError(f"{str(args.model)!r} is not a boostfocal model folder (model_card.json of another kind)")
    model_file = args.model / mc["files"]["model"]
    if not model_file.is_file():
        raise UsageError(f"{str(args.model)!r} has no model file {mc['files']['model']!r}; {hint}")
    if args.out.is_dir() or (args.out.exists() and not args.overwrite):
        raise UsageError(f"--out {str(args.out)!r} exists; pass --overwrite to replace it" if not args.out.is_dir()
                         else f"--out {str(args.out)!r} is a folder; give a file name")  # fmt: skip
    threshold = _threshold(args, mc)
    prep = _preparation(prep_record)
    frame, notes = _read_data(args.data)
    try:
        X, apply_notes = prep.apply(frame)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{args.data!r}: {exc}") from None
    enc = mc["target"]
    task, classes = enc["task"], [str(c) for c in enc["classes"]]
    try:
        proba = native_probabilities(mc["library"], model_file, X, task, len(classes))
    except Exception as exc:  # a damaged or foreign model file: the library's error, one line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"cannot use the model file {str(model_file)!r}: {first}") from None
    kind = "posterior" if args.output == "posterior" else "probability"
    scores = posterior_from_proba(proba, mc["posterior_rule"], task) if kind == "posterior" else proba
    out = pd.DataFrame(index=range(X.shape[0]))
    if task == "binary":
        out[f"{kind}_{classes[1]}"] = scores[:, 1]
        cut = 0.5 if threshold is None else threshold
        out["label"] = np.where(scores[:, 1] >= cut, enc["classes"][1], enc["classes"][0])
    elif task == "multilabel":
        cut = 0.5 if threshold is None else threshold
        for k, c in enumerate(classes):
            out[f"{kind}_{c}"] = scores[:, k]
        for k, c in enumerate(classes):
            out[f"label_{c}"] = (scores[:, k] >= cut).astype(int)
    else:
        for k, c in enumerate(classes):
            out[f"{kind}_{c}"] = scores[:, k]
        out["label"] = np.asarray(enc["classes"], dtype=object)[np.argmax(scores, axis=1)]
    _write_csv(args.out, out)
    return X.shape[0], [*notes, *apply_notes]


def _write_csv(path: Path, frame: Any) -> None:
    tmp = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(tmp, index=False, float_format="%.9g")
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _predict_report(args: argparse.Namespace) -> None:
    n, notes = _predict(args)
    print(f"boostfocal predict: {n:,} rows scored; written to {args.out}")
    for note in notes:
        print(f"note: {note}")


def predict_main(argv: Sequence[str] | None = None) -> int:
    """Run ``boostfocal predict``; returns the exit status (2: bad input, 130: interrupted)."""
    return _run("boostfocal predict", _predict_parser, _predict_report, argv)
