"""``boostfocal compare DATA --target COLUMN [options]``: the study from the command line.

``--target a,b,c`` (comma-separated column names) studies a multi-label target: each column
0/1 or true/false, no ``--positive``.

The first line of the output names the task, the positive class and its rate (see
:mod:`._data` for how the positive class is chosen without ``--positive``; an exact tie of a
two-class target is refused until ``--positive`` names one), with a warning when the positive
class is the majority.

Bad input (file, columns, target, options, ``--out``) is one line on stderr and exit
status 2, found before any training and before anything is written: among others a
header naming a column twice, infinite values in a feature column.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from ._methods import DEFAULT_METHODS, METHODS
from ._metrics import METRICS

__all__ = ["main", "build_parser"]

PROG = "boostfocal compare"


class UsageError(Exception):
    """Bad input: the command line prints ``boostfocal compare: error: <message>`` and exits with 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, no usage block
        raise UsageError(message)


def _int_at_least(low: int, high: int | None = None) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low or (high is not None and value > high):
            rng = f">= {low}" if high is None else f"in [{low}, {high}]"
            raise argparse.ArgumentTypeError(f"must be {rng}, got {value}")
        return value

    return parse


def _open_unit(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be in (0, 1), got {text}")
    return value


def _names(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        description=(
            "Compare focal loss with log loss and class-weighted log loss on your table: the same tuning budget "
            "and booster search for every method, repeated stratified cross-validation with an inner validation "
            "split, and a verdict from the Nadeau-Bengio corrected interval of best focal minus best baseline."
        ),
    )
    p.add_argument("data", help="table: .csv, .tsv, .parquet / .pq or .feather / .arrow")
    p.add_argument(
        "--target",
        required=True,
        help="the label column; several comma-separated columns (--target a,b,c) make a multi-label target, each "
        "column 0/1 or true/false",
    )
    p.add_argument(
        "--positive",
        help="the class of interest (the problem becomes that class against the rest); one --target column only. "
        "Default for two classes: 1 / true for 0/1 and false/true labels, else the minority class (a tie must be "
        "named)",
    )
    p.add_argument("--weight", help="a column of sample weights (finite, >= 0)")
    p.add_argument("--drop", action="append", default=[], help="columns to leave out (comma-separated, repeatable)")
    p.add_argument(
        "--keep",
        action="append",
        default=[],
        help="columns to use although they look like row identifiers (a leading unnamed index column, integers "
        "all distinct and consecutive or in row order, or named id / *_id / rownames with distinct values; "
        "those are left out, with a note; comma-separated, repeatable)",
    )
    p.add_argument("--drop-missing-target", action="store_true", help="drop rows whose label is missing")
    p.add_argument("--library", choices=("xgboost", "lightgbm", "both"), default="xgboost", help="default: xgboost")
    p.add_argument(
        "--methods",
        type=_names,
        default=None,
        help=f"comma-separated, among {', '.join(METHODS)} (default: {','.join(DEFAULT_METHODS)})",
    )
    p.add_argument("--cv", type=_int_at_least(2, 100), help="outer folds (default 5, --quick 3)")
    p.add_argument("--repeats", type=_int_at_least(1, 100), help="repeats of the folds (default 2, --quick 1)")
    p.add_argument("--budget", type=_int_at_least(1, 10_000), help="configurations per method (default 20, quick 4)")
    p.add_argument("--metric", choices=METRICS, default="average_precision", help="primary metric")
    p.add_argument("--precision", type=_open_unit, default=0.9, help="precision of recall@precision (default 0.9)")
    p.add_argument("--n-estimators", type=_int_at_least(1), help="round cap (default 500, --quick 200)")
    p.add_argument("--max-rows", type=_int_at_least(10), help="stratified subsample of that many rows first")
    p.add_argument(
        "--searcher",
        choices=("random", "tpe"),
        default="random",
        help="random: seeded random search, the same booster draws for every method (default); tpe: Optuna TPE "
        "(pip install optuna)",
    )
    p.add_argument("--seed", type=_int_at_least(0, 2**32 - 1), default=0, help="random seed (default 0)")
    p.add_argument("--n-jobs", type=_int_at_least(1, 1024), default=1, help="threads per booster (default 1)")
    p.add_argument("--quick", action="store_true", help="a first look: cv 3, repeats 1, budget 4, 200 rounds")
    p.add_argument("--out", type=Path, help="folder for report.html, report.md, results.json, recommended.json")
    p.add_argument("--overwrite", action="store_true", help="replace the files of a non-empty --out folder")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted study in --out from its finished folds (kept in a work file there as they "
        "finish); refused when the data, the options or the boostfocal version differ",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def _check_columns(frame: Any, args: argparse.Namespace) -> tuple[Any, Any, Any, list[str], dict[str, str]]:
    """``(X, y, weights, notes, dropped)`` from the table and the column options (``dropped``: the
    columns left out of X, each with why, for the saved preparation)."""
    from ._data import closest
    from ._features import identifier_columns

    columns = [str(c) for c in frame.columns]
    frame.columns = columns
    repeated_columns = sorted({c for c in columns if columns.count(c) > 1})
    if repeated_columns:
        raise UsageError(
            f"{args.data!r} has the column name(s) {', '.join(repr(c) for c in repeated_columns)} more than once; "
            "give each column its own name"
        )

    def need(option: str, name: str) -> None:
        if name not in columns:
            raise UsageError(f"{option} {name!r} is not a column of {args.data!r}; {closest(name, columns)}")

    targets = _names(args.target) if "," in args.target else [args.target]
    if not targets:
        raise UsageError(f"--target {args.target!r} names no column")
    repeated = sorted({t for t in targets if targets.count(t) > 1})
    if repeated:
        raise UsageError(f"--target names the column(s) {', '.join(repr(t) for t in repeated)} more than once")
    for name in targets:
        need("--target", name)
    if len(targets) > 1 and args.positive is not None:
        raise UsageError(
            f"--positive is for one --target column; the columns of a multi-label --target ({args.target}) must be "
            f"0/1 or true/false, got --positive {args.positive!r}"
        )
    drop = [n for text in args.drop for n in _names(text)]
    for name in drop:
        need("--drop", name)
    for name in targets:
        if name in drop:
            raise UsageError(f"--drop names the target column {name!r}")
    weights = None
    if args.weight is not None:
        need("--weight", args.weight)
        if args.weight in targets:
            raise UsageError(f"--weight {args.weight!r} is a target column")
        import pandas as pd

        col = frame[args.weight]
        if not pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
            raise UsageError(f"--weight column {args.weight!r} must be numeric, got dtype {col.dtype}")
        values = col.to_numpy(dtype="float64", na_value=float("nan"))
        bad = ~(values == values) | (abs(values) == float("inf"))
        if bad.any():
            raise UsageError(
                f"--weight column {args.weight!r} has {int(bad.sum())} missing or infinite value(s) "
                f"(first at row {int(bad.argmax())})"
            )
        if (values < 0).any():
            raise UsageError(f"--weight column {args.weight!r} has negative values (minimum {values.min():g})")
        weights = values
        drop.append(args.weight)
    notes = [f"--drop: left out {', '.join(repr(d) for d in drop if d != args.weight)}"] if args.drop else []
    keep = [n for text in args.keep for n in _names(text)]
    for name in keep:
        need("--keep", name)
    dropped = {name: "--drop" for name in drop if name != args.weight}
    if args.weight is not None:
        dropped[args.weight] = "--weight (the sample weights)"
    candidates = frame.drop(columns=[*targets, *drop, *keep])
    for name, why in identifier_columns(candidates).items():
        drop.append(name)
        dropped[name] = f"identifier ({why})"
        notes.append(f"identifier column {name!r} left out ({why}); --keep {name} uses it")
    X = frame.drop(columns=[*targets, *drop])
    if X.shape[1] == 0:
        raise UsageError("no feature column left after --target, --weight and --drop")
    return X, frame[targets] if len(targets) > 1 else frame[targets[0]], weights, notes, dropped


def _print_summary(result: Any, out: Path | None) -> None:
    table = result.table()
    m = result.metric
    print(f"boostfocal compare: {result.n_rows:,} rows, {result.task}; primary metric {m}")
    width = max(len(f"{r.method} ({r.library})") for r in table.itertuples())
    for r in table.to_dict("records"):
        name = f"{r['method']} ({r['library']})"
        print(f"  {name:<{width}}  {r[m]:.4f} [{r[m + '_low']:.4f}, {r[m + '_high']:.4f}]")
    c = result.comparison
    print(f"best focal minus best baseline: {c.mean:+.4f} [{c.ci_low:+.4f}, {c.ci_high:+.4f}] -> {result.verdict}")
    rec = result.recommended
    print(f"recommended: {rec['method']} with {rec['library']} ({rec['estimator']})")
    for note in result.notes:
        print(f"note: {note}")
    if out is None:
        print("(pass --out DIR for report.html, report.md, results.json and recommended.json)")
    else:
        print(
            f"report written to {out}/ (report.html, report.md, results.json, recommended.json, preparation.json, "
            f"fold_scores.csv); next: boostfocal fit {out} DATA --out MODEL_DIR"
        )


def _estimate(done: int, total: int, seconds: float) -> str:
    left = seconds / done * (total - done)
    when = f"{left / 60:.0f} min" if left >= 90 else f"{left:.0f} s"
    return f"about {when} more for the other {total - done:,} fits (from the first {done})"


def _run_until_interrupted(plan: Any, journal: Any = None) -> Any:
    """Run the study, printing a time estimate after the first fits; a first Ctrl-C stops it after
    the fit under way (``KeyboardInterrupt`` then comes from the study's own loop, not from inside a
    booster's callback, where Python would only print it), a second one at once."""
    import signal
    import threading
    import time

    from ._run import run_study

    stop = threading.Event()
    started = time.perf_counter()
    first = min(plan.n_fits - 1, max(3, len(plan.runs)))  # one fit of every method, at least 3

    def after_fit(done: int) -> bool:
        if done == first:
            print(f"{PROG}: {_estimate(done, plan.n_fits, time.perf_counter() - started)}", flush=True)
        return stop.is_set()

    def on_sigint(signum: int, frame: Any) -> None:
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    if threading.current_thread() is not threading.main_thread():
        return run_study(plan, after_fit=after_fit, journal=journal)
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        return run_study(plan, after_fit=after_fit, journal=journal)
    finally:
        signal.signal(signal.SIGINT, previous)


def _study_options(args: argparse.Namespace, weights: Any) -> Any:
    from ._options import StudyOptions

    return StudyOptions(
        library=args.library,
        cv=args.cv,
        repeats=args.repeats,
        budget=args.budget,
        random_state=args.seed,
        n_jobs=args.n_jobs,
        metric=args.metric,
        methods=args.methods,
        quick=args.quick,
        progress=not args.quiet,
        sample_weight=weights,
        positive=args.positive,
        precision=args.precision,
        n_estimators=args.n_estimators,
        max_rows=args.max_rows,
        drop_missing_target=args.drop_missing_target,
        searcher=args.searcher,
    )


def _check_out(args: argparse.Namespace) -> None:
    """``--out`` usable: new, empty, ``--overwrite``, or (``--resume``) holding only an interrupted study."""
    from ._journal import WORK_FILE
    from ._report import check_out_dir

    if args.out is None:
        if args.resume:
            raise UsageError("--resume needs --out, the folder of the interrupted study")
        return
    work = args.out / WORK_FILE
    others = [p for p in args.out.iterdir() if p.name != WORK_FILE] if args.out.is_dir() else []
    if args.resume and work.exists() and not others:
        return
    if work.exists() and not args.overwrite:
        raise UsageError(
            f"--out {str(args.out)!r} holds an interrupted study ({WORK_FILE})"
            + (" and other files; pass --overwrite to start afresh" if args.resume else
               "; pass --resume to continue it, or --overwrite to start afresh")
        )  # fmt: skip
    try:
        check_out_dir(args.out, overwrite=args.overwrite, cli=True)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _plan(args: argparse.Namespace) -> Any:
    """The validated plan of the study (any bad input: :class:`UsageError`)."""
    from ._io import TableError, read_table
    from ._plan import plan_study

    try:
        read_notes: list[str] = []
        frame = read_table(args.data, read_notes)
    except TableError as exc:
        raise UsageError(str(exc)) from None
    X, y, weights, notes, dropped = _check_columns(frame, args)
    _check_out(args)
    target_name = "--target" if "," in args.target else f"--target {args.target!r}"
    try:
        return plan_study(
            X, y, _study_options(args, weights), notes=[*read_notes, *notes], target_name=target_name, cli=True,
            dropped=dropped, target_columns=_names(args.target) if "," in args.target else [args.target],
            weight_column=args.weight,
        )  # fmt: skip
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None


def _open_journal(args: argparse.Namespace, plan: Any) -> Any:
    """The work file in ``--out`` (None without ``--out``); with ``--resume`` the folds it kept."""
    from ._journal import Journal, JournalError

    if args.out is None:
        return None
    try:
        journal = Journal.open(args.out, plan, resume=args.resume)
    except JournalError as exc:
        raise UsageError(str(exc)) from None
    if journal.folds:
        print(f"{PROG}: resuming: {len(journal.folds)} of {plan.cv * plan.repeats} outer folds kept", flush=True)
    return journal


def _interrupted(journal: Any, created: bool) -> str:
    """The one line of an interrupted study; a work file without a finished fold goes (and its folder if new)."""
    if journal is None:
        return f"{PROG}: interrupted; nothing written"
    if journal.folds:
        return (
            f"{PROG}: interrupted; {len(journal.folds)} finished outer fold(s) kept in {journal.path}; rerun the same "
            "command with --resume to continue"
        )
    journal.remove()
    if created and not any(journal.path.parent.iterdir()):
        journal.path.parent.rmdir()
    return f"{PROG}: interrupted; nothing written"


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``boostfocal compare``; returns the exit status (2: bad input, one line on stderr)."""
    journal, created = None, False
    try:
        args = build_parser().parse_args(argv)
        plan = _plan(args)
        print(f"{PROG}: {plan.target.describe()}", flush=True)
        warning = plan.target.majority_warning(option="--positive")
        if warning:
            print(f"{PROG}: {warning}", flush=True)
        print(
            f"{PROG}: {plan.n_fits:,} fits ({len(plan.runs)} method runs x {plan.budget} configurations x "
            f"{plan.cv} folds x {plan.repeats} repeats)",
            flush=True,
        )
        created = args.out is not None and not args.out.exists()
        journal = _open_journal(args, plan)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # while reading or checking the table: nothing written yet
        print(_interrupted(journal, created), file=sys.stderr)
        return 130
    except ImportError as exc:
        print(f'{PROG}: error: {exc}; install the requirements: pip install "boostfocal[compare]"', file=sys.stderr)
        return 2
    try:
        result = _run_until_interrupted(plan, journal)
        if args.out is not None:
            result.save(args.out, overwrite=True)  # checked before the study: new, empty, --overwrite or --resume
            journal.remove()
    except KeyboardInterrupt:
        print(_interrupted(journal, created), file=sys.stderr)
        return 130
    _print_summary(result, args.out)
    return 0
