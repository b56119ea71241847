r"""When does focal loss help a boosted tree? A grid of synthetic conditions (issue 27).

Each cell of the grid is one synthetic data set (:mod:`_conditions_data`: the generator, its
knobs and why it is ours) and, per library, one study of :func:`boostfocal.compare`'s engine:
the same protocol as ``boostfocal compare`` and ``benchmarks/keel.py`` (equal budgets with common
booster draws, early stopping and the configuration choice on an inner validation split,
repeated stratified cross-validation, the Nadeau--Bengio corrected interval of the per-fold
difference best focal minus best baseline, both picked on the inner validation split). One thing
is added to the engine for this study: the outer test folds are scored on the *clean* labels
while training, early stopping and the configuration choice see the (noisy) training labels
(``run_study(..., test_codes=...)``), and each fold also records the calibration of the raw
probabilities (``extra_scores``).

The grid (:func:`build_grid`), 56 cells per library:

* imbalance (negatives per positive) 1, 10, 100, 1000, crossed with everything below;
* separation delta 2.0 (low: Bayes ROC AUC 0.92) and 3.5 (high: 0.993), crossed with everything;
* label noise in the training labels only: none; 5 % and 20 % of the positives flipped with as
  many negatives flipped (the imbalance is kept); 20 % of the positives flipped alone
  (class-conditional); at the small size, without the flood;
* a flood of easy negatives: none, or 90 % of the negatives trivially easy; on clean labels, at
  both sizes;
* size: 50 positives (small; 1:1000 cells have 50,050 rows) and 250 positives (large; clean
  labels).

Sizing: a first grid crossed every factor (96 cells per library, 5 % class-conditional noise
too, the flood crossed with the noise); at the measured cost (13 s of CPU per 1:1000 small study
on a free core, about 14 % of a core per process on the shared machine at load 8) it would have
needed about two hours, so the flood was kept on clean labels only and the class-conditional
noise at 20 % only (decided before any result).

Per cell: methods log loss, class-weighted log loss and focal loss; budget 2 configurations per
method, at most 200 rounds, patience 20, 5 folds x 2 repeats, seed 0 (:data:`FULL`). The grid, the
settings and the fold plan are written to ``conditions.md`` and ``conditions_grid.csv`` before any
fit; per-fold rows go to ``conditions_folds.csv`` as each (cell, library) study finishes (a file
lock lets parts run at the same time), so an interrupted run resumes at the first unfinished
study. Statistics and the report: :mod:`_conditions_report`.

Usage::

    python benchmarks/conditions.py                      # the whole grid, both libraries
    python benchmarks/conditions.py --part 1/2           # every second study (run 2/2 beside it)
    python benchmarks/conditions.py --cells 'ir1000-*'   # the cells matching a pattern
    python benchmarks/conditions.py --report-only        # the report from the fold file as it is
    python benchmarks/conditions.py --smoke --out-dir /tmp/c   # 2 small cells, seconds
"""

from __future__ import annotations

import argparse
import fcntl
import fnmatch
import importlib.util
import os
import sys
import tempfile
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent


def _load(name: str) -> Any:
    """A sibling module of benchmarks/, imported by path (the folder is not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


gen = _load("_conditions_data")
report = _load("_conditions_report")
VARIANTS_CSV = "conditions_variants_folds.csv"
FRAUD_CSV = "conditions_fraud_asym41_folds.csv"
EXTRA_MD = "conditions_extra.md"

LIBRARIES = ("xgboost", "lightgbm")
METHODS = ("log_loss", "weighted_log_loss", "focal")
IMBALANCES = (1, 10, 100, 1000)
SEPARATIONS = {"low": 2.0, "high": 3.5}
#: (kind, share of the positives flipped): the noise levels of the grid.
NOISES = (("none", 0.0), ("both", 0.05), ("both", 0.2), ("positives", 0.2))
EASY_SHARES = (0.0, 0.9)
SIZES = {"small": 50, "large": 250}  # positives per cell
FOLDS_CSV = "conditions_folds.csv"
GRID_CSV = "conditions_grid.csv"
REPORT_MD = "conditions.md"


@dataclass(frozen=True)
class Settings:
    """The protocol of one run (every study of the run uses it)."""

    budget: int
    cv: int
    repeats: int
    n_estimators: int
    patience: int
    seed: int
    methods: tuple[str, ...] = METHODS

    def key(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("budget", "cv", "repeats", "n_estimators", "patience", "seed")}


#: The full run: sized to finish in about an hour of wall time on the shared 2-core machine (see the
#: module docstring of _conditions_report for the measured times).
FULL = Settings(budget=2, cv=5, repeats=2, n_estimators=200, patience=20, seed=0)
SMOKE = Settings(budget=1, cv=2, repeats=1, n_estimators=10, patience=5, seed=0)
KEY = ["cell", "library", "budget", "cv", "repeats", "n_estimators", "patience", "seed"]
FOLD_COLUMNS = [
    *KEY,
    "method",
    "family",
    "repeat",
    "fold",
    "config",
    "valid_score",
    "average_precision",
    "roc_auc",
    "brier",
    "log_loss",
    "ece",
    "brier_raw",
    "ece_raw",
    "best_iteration",
    "fit_seconds",
    "focal_pick",
    "baseline_pick",
    "difference",
    "n_train",
    "n_test",
    "study_seconds",
]


class UsageError(ValueError):
    """A bad command line: one line on stderr, exit status 2."""


@dataclass(frozen=True)
class Cell:
    """One cell: its id, its size label and the generator's condition (seeded from the id)."""

    cell: str
    size: str
    condition: Any  # _conditions_data.Condition


def cell_id(imbalance: int, n_pos: int, separation: str, kind: str, noise: float, easy: float) -> str:
    noise_part = "clean" if kind == "none" else f"{kind}{round(noise * 100)}"
    return f"ir{imbalance}-pos{n_pos}-sep{separation}-{noise_part}-easy{round(easy * 100)}"


def build_grid() -> list[Cell]:
    """Every cell of the full grid (module docstring), in report order; the data seed is the CRC-32 of the id."""
    cells = []
    for size, n_pos in SIZES.items():
        for kind, noise in NOISES if size == "small" else NOISES[:1]:
            for easy in EASY_SHARES if kind == "none" else EASY_SHARES[:1]:
                for sep_name, sep in SEPARATIONS.items():
                    for ir in IMBALANCES:
                        cid = cell_id(ir, n_pos, sep_name, kind, noise, easy)
                        cond = gen.Condition(ir, n_pos, sep, easy, noise, kind, zlib.crc32(cid.encode()))
                        cells.append(Cell(cid, size, cond))
    return cells


def smoke_grid() -> list[Cell]:
    """Two small cells (one noisy with a flood of easy negatives), for ``--smoke``."""
    specs = [(10, 12, "high", "both", 0.2, 0.9), (1, 12, "low", "none", 0.0, 0.0)]
    out = []
    for ir, n_pos, sep_name, kind, noise, easy in specs:
        cid = cell_id(ir, n_pos, sep_name, kind, noise, easy)
        cond = gen.Condition(ir, n_pos, SEPARATIONS[sep_name], easy, noise, kind, zlib.crc32(cid.encode()))
        out.append(Cell(cid, "small", cond))
    return out


def grid_table(cells: Sequence[Cell]) -> pd.DataFrame:
    """One row per cell: the id, the generator's parameters and seed, and the label counts."""
    rows = []
    for c in cells:
        cond = c.condition
        m = cond.n_flipped
        train_pos = cond.n_pos - m + (m if cond.noise_kind == "both" else 0)
        rows.append(
            {
                "cell": c.cell,
                "size": c.size,
                **cond.to_dict(),
                "n_rows": cond.n_rows,
                "n_neg": cond.n_neg,
                "n_flipped_pos": m,
                "n_flipped_neg": m if cond.noise_kind == "both" else 0,
                "train_imbalance": (cond.n_rows - train_pos) / train_pos,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# one study and the fold file
# ---------------------------------------------------------------------------------------------


def run_cell(cell: Cell, library: str, settings: Settings) -> pd.DataFrame:
    """The study of one cell and library on the compare engine; its rows of the fold file."""
    from boostfocal._study._options import StudyOptions
    from boostfocal._study._plan import plan_study
    from boostfocal._study._run import run_study

    drawn = gen.make_condition(cell.condition)
    options = StudyOptions(
        library=library,
        cv=settings.cv,
        repeats=settings.repeats,
        budget=settings.budget,
        random_state=settings.seed,
        methods=list(settings.methods),
        n_estimators=settings.n_estimators,
        early_stopping_rounds=settings.patience,
        progress=False,
        positive=1,
    )
    plan = plan_study(drawn.X, drawn.y_train, options)
    result = run_study(plan, test_codes=drawn.y, extra_scores=report.calibration_scores)
    rows = result.fold_scores.merge(
        result.differences[["repeat", "fold", "focal_method", "baseline_method", "difference"]],
        on=["repeat", "fold"],
    ).rename(columns={"focal_method": "focal_pick", "baseline_method": "baseline_pick"})
    for col, value in {"cell": cell.cell, "library": library, **settings.key()}.items():
        rows[col] = value
    rows["n_train"], rows["n_test"], rows["study_seconds"] = result.n_train, result.n_test, result.seconds
    return rows[FOLD_COLUMNS]


def read_folds(path: Path) -> pd.DataFrame:
    """The fold file (an empty frame when absent); a file without the expected columns is a usage error."""
    if not path.exists() or path.stat().st_size == 0:
        return pd.DataFrame(columns=FOLD_COLUMNS)
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UsageError(f"--folds-csv {path} is not a {FOLDS_CSV} file ({exc}); pass --fresh to start over") from None
    missing = [c for c in FOLD_COLUMNS if c not in df.columns]
    if missing:
        raise UsageError(f"--folds-csv {path} lacks the columns {missing}; pass --fresh to start over")
    return df[FOLD_COLUMNS].dropna(subset=[c for c in FOLD_COLUMNS if c != "fit_seconds"])


def _mask(df: pd.DataFrame, cell: str, library: str, settings: Settings) -> pd.Series:
    mask = (df["cell"] == cell) & (df["library"] == library)
    for k, v in settings.key().items():
        mask &= df[k] == v
    return mask


def study_done(df: pd.DataFrame, cell: str, library: str, settings: Settings) -> bool:
    """True when the file holds every method x outer fold of this study under these settings."""
    rows = df[_mask(df, cell, library, settings)]
    need = settings.cv * settings.repeats
    return all(len(rows[rows["method"] == m].drop_duplicates(["repeat", "fold"])) == need for m in settings.methods)


def append_rows(path: Path, rows: pd.DataFrame) -> None:
    """Append one study's rows in one locked write (parts may run at the same time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fh.seek(0, os.SEEK_END)
            rows.to_csv(fh, header=fh.tell() == 0, index=False)
            fh.flush()
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def select(
    cells: Sequence[Cell], patterns: Sequence[str] | None, part: tuple[int, int] | None
) -> list[tuple[Cell, str]]:
    """The (cell, library) studies of this invocation: ``--cells`` patterns, then every n-th of ``--part i/n``."""
    chosen = [c for c in cells if not patterns or any(fnmatch.fnmatchcase(c.cell, p) for p in patterns)]
    studies = [(c, lib) for c in chosen for lib in LIBRARIES]
    if part is not None:
        i, n = part
        studies = studies[i - 1 :: n]
    return studies


def run_studies(studies: Sequence[tuple[Cell, str]], settings: Settings, folds_csv: Path, log: Any) -> None:
    """Run the unfinished studies, smallest first (an unfinished run misses the costliest), appending each
    study's rows as it finishes."""
    existing = read_folds(folds_csv)
    todo = [(c, lib) for c, lib in studies if not study_done(existing, c.cell, lib, settings)]
    if len(todo) < len(studies):
        log(f"resuming {folds_csv}: {len(studies) - len(todo)} studies already done, {len(todo)} to run")
    todo.sort(key=lambda s: s[0].condition.n_rows)
    t0 = time.perf_counter()
    for j, (cell, lib) in enumerate(todo, 1):
        rows = run_cell(cell, lib, settings)
        fresh = read_folds(folds_csv)  # another part may have finished the same study meanwhile
        if not study_done(fresh, cell.cell, lib, settings):
            append_rows(folds_csv, rows)
        spent = time.perf_counter() - t0
        log(f"[{j}/{len(todo)}] {cell.cell} {lib}: {float(rows['study_seconds'].iloc[0]):.1f} s ({spent:.0f} s in all)")


# ---------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line on stderr, exit status 2
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python benchmarks/conditions.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--smoke", action="store_true", help="2 small cells, budget 1, 2 folds, 10 rounds: seconds")
    p.add_argument("--cells", nargs="+", metavar="PATTERN", help="only the cells whose id matches (fnmatch)")
    p.add_argument("--part", default=None, metavar="I/N", help="every N-th study from the I-th (1 <= I <= N)")
    p.add_argument("--report-only", action="store_true", help="no fit: the report from the fold file")
    p.add_argument("--extra", action="store_true", help="also the KEEL regression and the variants' tables (no fit)")
    p.add_argument(
        "--variants",
        nargs="?",
        const="all",
        choices=("fraud", "large", "all"),
        help="fit fraud's asymmetric [4, 1] under repeated CV and / or the variants on the 4 large sets (an hour)",
    )
    p.add_argument("--out-dir", default=None, help="default benchmarks/results (a temporary folder with --smoke)")
    p.add_argument("--folds-csv", default=None, help=f"default OUT_DIR/{FOLDS_CSV}")
    p.add_argument("--fresh", action="store_true", help="delete the fold file first instead of resuming")
    return p


def parse_part(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        i, n = (int(v) for v in text.split("/"))
    except ValueError:
        raise UsageError(f"--part must look like 1/2, got {text!r}") from None
    if not 1 <= i <= n:
        raise UsageError(f"--part I/N needs 1 <= I <= N, got {text!r}")
    return i, n


def write_extra(out_dir: Path, log: Any) -> None:
    """conditions_extra.md: the KEEL regression, the variants (KEEL, large sets, fraud [4, 1])."""
    keel_mod, kreg, variants = _load("keel"), _load("_conditions_keel"), _load("_conditions_variants")
    sets_csv = HERE / "results" / keel_mod.SETS_CSV
    props = kreg.set_properties(keel_mod.DEFAULT_DATASETS)
    lines, coefs = kreg.keel_lines(sets_csv, props)
    lines += kreg.keel_property_lines(props)
    lines += ["## The variants", ""]
    lines += variants.keel_variant_lines(sets_csv)
    lines += variants.variant_lines(
        out_dir / VARIANTS_CSV, "The four large sets (quality.py protocol: 3 x 2 folds, budget 4)"
    )
    lines += variants.variant_lines(
        out_dir / FRAUD_CSV, "Fraud: the notebook's asymmetric [4, 1], 5 x 2 folds, budget 4"
    )
    (out_dir / EXTRA_MD).write_text("\n".join(lines) + "\n", encoding="utf-8")
    coefs.to_csv(out_dir / "conditions_keel_regression.csv", index=False)
    log(f"wrote {out_dir / EXTRA_MD}")


def main(argv: list[str] | None = None) -> int:
    t0 = time.perf_counter()
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one thread per study: parts are the parallelism
    try:
        args = build_parser().parse_args(argv)
        part = parse_part(args.part)
        cells = smoke_grid() if args.smoke else build_grid()
        studies = select(cells, args.cells, part)
        if args.cells and not studies:
            raise UsageError(f"--cells {' '.join(args.cells)} matches no cell (ids look like {cells[0].cell})")
        if args.smoke:
            out_dir = Path(args.out_dir) if args.out_dir else Path(tempfile.mkdtemp(prefix="conditions_smoke_"))
        else:
            out_dir = Path(args.out_dir) if args.out_dir else HERE / "results"
        folds_csv = Path(args.folds_csv) if args.folds_csv else out_dir / FOLDS_CSV
        if folds_csv.exists() and not args.fresh:
            read_folds(folds_csv)  # a foreign file is refused before any training
    except UsageError as exc:
        print(f"conditions.py: error: {exc}", file=sys.stderr)
        return 2
    settings = SMOKE if args.smoke else FULL

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    if args.fresh and folds_csv.exists():
        folds_csv.unlink()
    command = "python benchmarks/conditions.py " + " ".join(sys.argv[1:] if argv is None else argv)
    grid = grid_table(cells)
    out_dir.mkdir(parents=True, exist_ok=True)
    md = out_dir / REPORT_MD
    if args.variants:
        variants = _load("_conditions_variants")
        if args.variants in ("fraud", "all"):
            variants.run_fraud_asymmetric(out_dir / FRAUD_CSV, log)
        if args.variants in ("large", "all"):
            variants.run_large(out_dir / VARIANTS_CSV, log)
    if args.extra or args.variants:
        write_extra(out_dir, log)
    if not args.report_only and not args.variants:
        grid.to_csv(out_dir / GRID_CSV, index=False)
        if not md.exists() or args.smoke or args.fresh:  # the plan, before any fit
            report.write_plan(md, grid, settings, LIBRARIES, smoke=args.smoke)
        run_studies(studies, settings, folds_csv, log)
    folds = read_folds(folds_csv)
    folds = folds[folds["cell"].isin(grid["cell"])]
    for k, v in settings.key().items():
        folds = folds[folds[k] == v]
    evidence = None if args.smoke or args.out_dir else HERE.parent / "docs" / "evidence" / "conditions.md"
    report.write_report(
        out_dir,
        md,
        grid,
        folds,
        settings,
        LIBRARIES,
        command=command.strip(),
        smoke=args.smoke,
        log=log,
        evidence=evidence,
    )
    log(f"wrote {md} and {folds_csv} ({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
