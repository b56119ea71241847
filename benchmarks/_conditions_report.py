r"""Statistics and the report of ``benchmarks/conditions.py``.

Per cell and library (one study), from the per-fold rows of the fold file:

* **the AP difference** best focal minus best baseline, each picked per outer fold on the inner
  validation split (the engine's ``differences``), its mean over the J = cv x repeats folds with the
  Nadeau--Bengio corrected t interval (:func:`_keel_stats.paired_interval`) and the two-sided p-value
  of the same corrected t statistic
  :math:`t = \bar d / \sqrt{(1/J + n_{test}/n_{train})\, s_d^2}` on J - 1 degrees of freedom;
* **across cells**, the p-values of every study of the run (both libraries) are corrected for
  their number: Benjamini--Hochberg (false discovery rate 5 %) marks a cell, Holm (family-wise
  error 5 %) is reported beside it. A cell is *marked* only when its adjusted p-value is below 0.05;
  an interval that excludes 0 without surviving the correction is shown, not marked;
* **calibration** of the posterior estimates and of the raw probabilities: the Brier score and the
  expected calibration error (:func:`ece`) of log loss, class-weighted log loss with the weights
  undone, focal loss's raw probabilities and focal loss after ``focal_to_posterior`` (the
  estimators' ``predict_posterior``), each paired with log loss over the same folds (corrected
  intervals), and the correction's own effect (focal corrected minus focal raw).

Test labels are the clean labels in every cell (the training labels may be noisy).
"""

from __future__ import annotations

import importlib.util
import math
import os
import platform
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["ece", "calibration_scores", "cell_table", "adjust", "write_plan", "write_report", "N_BINS"]

#: Equal-width bins of the expected calibration error.
N_BINS = 10
ALPHA = 0.05


def _stats() -> Any:
    return _sibling("_keel_stats")


def _sibling(name: str) -> Any:
    """A module of benchmarks/ by path (the folder is not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------------------------------
# calibration scores of one fold
# ---------------------------------------------------------------------------------------------


def ece(y: NDArray, p: NDArray, n_bins: int = N_BINS) -> float:
    r"""Expected calibration error of positive-class probabilities ``p`` against 0/1 labels ``y``.

    .. math::

        \mathrm{ECE} = \sum_{b=1}^{B} \frac{n_b}{n} \left| \bar y_b - \bar p_b \right|

    over ``n_bins`` equal-width bins of [0, 1] (the last one closed), empty bins skipped.
    """
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    if y.shape != p.shape or y.ndim != 1 or y.size == 0:
        raise ValueError(f"y and p must be non-empty 1-D arrays of one shape, got {y.shape} and {p.shape}")
    if not np.all(np.isfinite(p)) or p.min() < 0.0 or p.max() > 1.0:
        raise ValueError("p must hold probabilities in [0, 1]")
    bins = np.minimum((p * n_bins).astype(np.intp), n_bins - 1)
    gap = np.abs(np.bincount(bins, weights=y, minlength=n_bins) - np.bincount(bins, weights=p, minlength=n_bins))
    return float(gap.sum() / y.size)  # sum_b |sum_i (y_i - p_i)| / n = sum_b n_b / n |ybar_b - pbar_b|


def calibration_scores(codes: NDArray[np.intp], proba: NDArray, posterior: NDArray) -> dict[str, float]:
    """The engine's ``extra_scores`` (binary): ECE of the posterior, Brier score and ECE of the raw probabilities."""
    y = (np.asarray(codes) == 1).astype(np.float64)
    p_raw, p_post = np.asarray(proba)[:, 1], np.asarray(posterior)[:, 1]
    return {"ece": ece(y, p_post), "brier_raw": float(np.mean((p_raw - y) ** 2)), "ece_raw": ece(y, p_raw)}


# ---------------------------------------------------------------------------------------------
# per cell, and the correction across cells
# ---------------------------------------------------------------------------------------------


def _paired(d: NDArray, ratio: float) -> dict[str, float]:
    """Mean, corrected interval and two-sided p-value of per-fold differences ``d``."""
    from scipy import stats as st

    iv = _stats().paired_interval(d, test_train_ratio=ratio)
    J = d.size
    se = math.sqrt((1.0 / J + ratio) * float(np.var(d, ddof=1)))
    if se > 0:
        p = float(2.0 * st.t.sf(abs(iv.mean) / se, J - 1))
    else:  # every fold the same difference: 0 is no evidence, anything else is certain
        p = 1.0 if iv.mean == 0.0 else 0.0
    return {"mean": iv.mean, "low": iv.low, "high": iv.high, "p": p}


def adjust(p: Sequence[float], how: str) -> NDArray[np.float64]:
    """Adjusted p-values: ``"bh"`` Benjamini--Hochberg (step-up), ``"holm"`` Holm (step-down)."""
    p = np.asarray(p, dtype=np.float64)
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p)
    ranked = p[order]
    if how == "bh":
        adj = np.minimum.accumulate((ranked * m / np.arange(1, m + 1))[::-1])[::-1]
    elif how == "holm":
        adj = np.maximum.accumulate(ranked * (m - np.arange(m)))
    else:
        raise ValueError(f"how must be 'bh' or 'holm', got {how!r}")
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    return out


#: (name, method, column) of the calibration arms; each is paired with log loss's posterior.
ARMS = (
    ("log loss", "log_loss", "{m}"),
    ("class-weighted (undone)", "weighted_log_loss", "{m}"),
    ("focal raw", "focal", "{m}_raw"),
    ("focal corrected", "focal", "{m}"),
)


def cell_table(folds: pd.DataFrame, grid: pd.DataFrame) -> pd.DataFrame:
    """One row per (cell, library) study: the AP difference with interval and p, and the calibration arms."""
    rows = []
    for (cell, library), g in folds.groupby(["cell", "library"], sort=False):
        ratio = float(g["n_test"].iloc[0]) / float(g["n_train"].iloc[0])
        wide = {m: s.sort_values(["repeat", "fold"]) for m, s in g.groupby("method")}
        diff = wide["focal"]["difference"].to_numpy()
        row: dict[str, Any] = {"cell": cell, "library": library, "n_folds": diff.size}
        row.update({f"ap_{k}": v for k, v in _paired(diff, ratio).items()})
        for m in ("log_loss", "weighted_log_loss", "focal"):
            row[f"ap_{m}"] = float(wide[m]["average_precision"].mean())
        row["picks_weighted"] = float((wide["focal"]["baseline_pick"] == "weighted_log_loss").mean())
        for metric in ("brier", "ece"):
            ref = wide["log_loss"][metric].to_numpy()
            for name, method, col in ARMS:
                values = wide[method][col.format(m=metric)].to_numpy()
                row[f"{metric}|{name}"] = float(values.mean())
                if name != "log loss":
                    for k, v in _paired(values - ref, ratio).items():
                        row[f"{metric}|{name}-LL|{k}"] = v
            fixed = wide["focal"][metric].to_numpy() - wide["focal"][f"{metric}_raw"].to_numpy()
            for k, v in _paired(fixed, ratio).items():
                row[f"{metric}|correction|{k}"] = v
        row["study_seconds"] = float(g["study_seconds"].iloc[0])
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["ap_p_bh"] = adjust(table["ap_p"].to_numpy(), "bh")
    table["ap_p_holm"] = adjust(table["ap_p"].to_numpy(), "holm")
    table["marked"] = table["ap_p_bh"] < ALPHA
    for col in [c for c in table.columns if c.endswith("|p")]:
        table[col.removesuffix("|p") + "|p_bh"] = adjust(table[col].to_numpy(), "bh")
    return grid.merge(table, on="cell", how="right")


# ---------------------------------------------------------------------------------------------
# the heat map
# ---------------------------------------------------------------------------------------------


def _row_label(r: pd.Series) -> str:
    if r["noise_kind"] == "none":
        noise = "clean labels"
    else:
        noise = f"noise {r['noise']:.0%} " + ("(both classes)" if r["noise_kind"] == "both" else "(positives only)")
    easy = ", 90 % easy neg." if r["easy_share"] > 0 else ""
    return f"{r['size']} ({r['n_pos']} pos), {noise}{easy}"


def _col_label(r: pd.Series) -> str:
    return f"sep {r['separation']:g}\n1:{r['imbalance']}"


def heat_map(table: pd.DataFrame, grid: pd.DataFrame, library: str, png: Path) -> None:
    """Cells coloured by the mean AP difference; a black frame where BH-adjusted p < 0.05, a dot where
    only the unadjusted interval excludes 0; grey where the study has not run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = list(
        dict.fromkeys(
            grid.sort_values(["size", "easy_share"], ascending=[False, True], kind="stable").apply(_row_label, axis=1)
        )
    )
    cols = list(dict.fromkeys(grid.sort_values(["separation", "imbalance"]).apply(_col_label, axis=1)))
    t = table[table["library"] == library]
    values = np.full((len(rows), len(cols)), np.nan)
    fig, ax = plt.subplots(figsize=(0.95 * len(cols) + 4.2, 0.45 * len(rows) + 1.9))
    lim = max(0.02, float(np.nanmax(np.abs(t["ap_mean"])))) if len(t) else 0.02
    for _, r in t.iterrows():
        values[rows.index(_row_label(r)), cols.index(_col_label(r))] = r["ap_mean"]
    ax.imshow(np.where(np.isnan(values), 0.0, 1.0), cmap="Greys", vmin=0, vmax=6, aspect="auto")  # grey: not run
    im = ax.imshow(np.ma.masked_invalid(values), cmap="RdBu", vmin=-lim, vmax=lim, aspect="auto")
    for _, r in t.iterrows():
        i, j = rows.index(_row_label(r)), cols.index(_col_label(r))
        excl = r["ap_low"] > 0 or r["ap_high"] < 0
        text = f"{r['ap_mean']:+.3f}" + (" •" if excl and not r["marked"] else "")
        colour = "white" if abs(r["ap_mean"]) > 0.6 * lim else "black"
        ax.text(j, i, text, ha="center", va="center", fontsize=7, color=colour)
        if r["marked"]:
            ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=2))
    for i, j in zip(*np.nonzero(np.isnan(values)), strict=True):
        ax.text(j, i, "not run", ha="center", va="center", fontsize=6, color="dimgrey")
    ax.set_xticks(range(len(cols)), cols, fontsize=8)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    ax.set_title(
        f"{library}: test AP, best focal minus best baseline (5 x 2 folds)\n"
        "frame: BH-adjusted p < 0.05; •: only the unadjusted 95 % CI excludes 0",
        fontsize=9,
    )
    fig.colorbar(im, ax=ax, label="AP difference (blue: focal better)", shrink=0.8)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------
# the Markdown file
# ---------------------------------------------------------------------------------------------


def _plan_lines(grid: pd.DataFrame, settings: Any, libraries: Sequence[str], smoke: bool) -> list[str]:
    n_fits = len(grid) * len(libraries) * len(settings.methods) * settings.budget * settings.cv * settings.repeats
    lines = [
        "# When does focal loss help a boosted tree? the synthetic grid, every cell",
        "",
        *(["**SMOKE run: two tiny cells, budget 1; the numbers mean nothing.**", ""] if smoke else []),
        "## Plan (written before the run)",
        "",
        f"Protocol: the engine of `boostfocal.compare` per cell and library ({', '.join(libraries)}); methods "
        f"{', '.join(settings.methods)}; budget {settings.budget} configurations per method (common booster draws; "
        f"the first is the centre of the space), at most {settings.n_estimators} rounds, early-stopping patience "
        f"{settings.patience} on an inner stratified 20 % validation split, the configuration chosen there by "
        f"average precision (AP); outer folds: stratified {settings.cv}-fold cross-validation x {settings.repeats} "
        f"repeats (`StratifiedKFold(shuffle=True, random_state={settings.seed} + 7919 r)` on the training labels), "
        f"seed {settings.seed}. Training, early stopping and the configuration choice use the training labels "
        "(noisy where the cell has noise); **the outer test folds are scored on the clean labels**. Per fold the "
        "best focal and the best baseline are picked on the inner validation split; their test-AP difference gets "
        "the Nadeau--Bengio corrected 95 % t interval and a p-value; the p-values of all studies are adjusted "
        "(Benjamini--Hochberg; Holm beside it) before any cell is marked.",
        "",
        f"{len(grid)} cells x {len(libraries)} libraries = {len(grid) * len(libraries)} studies, {n_fits:,} fits. "
        "Generator: `benchmarks/_conditions_data.py` (its docstring defines separation, easy negatives and noise); "
        f"each cell's data seed is the CRC-32 of its id (`conditions_grid.csv`). Sizing: to finish in about an hour "
        "on the shared 2-core machine under `nice -n 19` (two parts side by side, one per library): budget 2, "
        "5 x 2 folds, at most 200 rounds; measured before the run, one 1:1000 study of 50,050 rows took 13 s of CPU "
        "on a free core. The flood of easy negatives is crossed with size, separation and imbalance on clean labels "
        "only, and the class-conditional noise is run at 20 % only (a fully crossed grid would have taken about "
        "two hours; `benchmarks/conditions.py`'s docstring).",
        "",
        "| cell | rows | pos | imbalance | separation | easy share | noise | train imbalance | seed |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in grid.itertuples():
        noise = "none" if r.noise_kind == "none" else f"{r.noise_kind} {r.noise:.0%}"
        lines.append(
            f"| {r.cell} | {r.n_rows:,} | {r.n_pos} | 1:{r.imbalance} | {r.separation:g} | {r.easy_share:g} | "
            f"{noise} | 1:{r.train_imbalance:.1f} | {r.seed} |"
        )
    return [*lines, ""]


def write_plan(md: Path, grid: pd.DataFrame, settings: Any, libraries: Sequence[str], *, smoke: bool) -> None:
    """conditions.md holding the plan only (before any fit)."""
    md.parent.mkdir(parents=True, exist_ok=True)
    lines = _plan_lines(grid, settings, libraries, smoke)
    md.write_text("\n".join([*lines, "## Results", "", "Not run yet.", ""]), encoding="utf-8")


def _iv(mean: float, low: float, high: float, digits: int = 3) -> str:
    return f"{mean:+.{digits}f} [{low:+.{digits}f}, {high:+.{digits}f}]"


def _calibration_lines(table: pd.DataFrame, libraries: Sequence[str]) -> list[str]:
    lines = [
        "## Calibration: does the correction give back what focal takes away?",
        "",
        "Per study, each arm's Brier score / ECE minus log loss's on the same folds (corrected 95 % interval; "
        f"ECE over {N_BINS} equal-width bins); *worse* / *better*: the cells whose interval lies above / below 0 "
        "(BH-adjusted p < 0.05 in brackets). 'correction': focal corrected minus focal raw.",
        "",
        "| library | metric | arm | median difference | worse than LL | better than LL | cells |",
        "|---|---|---|---|---|---|---|",
    ]
    for library in libraries:
        t = table[table["library"] == library]
        for metric in ("brier", "ece"):
            for arm in ("class-weighted (undone)", "focal raw", "focal corrected", "correction"):
                pre = f"{metric}|{arm}" + ("" if arm == "correction" else "-LL")
                worse, better = t[f"{pre}|low"] > 0, t[f"{pre}|high"] < 0
                sig = t[f"{pre}|p_bh"] < ALPHA
                n_worse, n_better = int(worse.sum()), int(better.sum())
                lines.append(
                    f"| {library} | {metric} | {arm} | {t[f'{pre}|mean'].median():+.4f} | "
                    f"{n_worse} ({int((worse & sig).sum())}) | {n_better} ({int((better & sig).sum())}) | {len(t)} |"
                )
    return [*lines, ""]


def _cell_lines(table: pd.DataFrame, library: str) -> list[str]:
    t = table[table["library"] == library]
    lines = [
        "<details><summary>every cell: AP difference and calibration</summary>",
        "",
        "| cell | AP LL / WLL / focal | focal - best baseline [95 % CI] | p (BH) | Brier LL / WLL / focal raw / "
        "focal corr. | Brier, focal raw - LL [95 % CI] | Brier, focal corr. - LL [95 % CI] | "
        "ECE LL / WLL / focal raw / focal corr. | s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    arms = [a for a, _, _ in ARMS]
    for _, r in t.iterrows():
        mark = " **+**" if r["marked"] and r["ap_mean"] > 0 else " **-**" if r["marked"] else ""
        lines.append(
            f"| {r['cell']} | {r['ap_log_loss']:.3f} / {r['ap_weighted_log_loss']:.3f} / {r['ap_focal']:.3f} | "
            f"{_iv(r['ap_mean'], r['ap_low'], r['ap_high'])}{mark} | {r['ap_p_bh']:.3f} | "
            + " / ".join(f"{r[f'brier|{a}']:.4f}" for a in arms)
            + " | "
            + " | ".join(
                _iv(r[f"brier|{a}-LL|mean"], r[f"brier|{a}-LL|low"], r[f"brier|{a}-LL|high"], 4)
                for a in ("focal raw", "focal corrected")
            )
            + " | "
            + " / ".join(f"{r[f'ece|{a}']:.4f}" for a in arms)
            + f" | {r['study_seconds']:.0f} |"
        )
    return [*lines, "", "</details>", ""]


def evidence_summary(table: pd.DataFrame, claims: pd.DataFrame, missing: int) -> str:
    """The first paragraph of the evidence page: how many studies, how many marked either way."""
    up = int((table["marked"] & (table["ap_mean"] > 0)).sum())
    down = int((table["marked"] & (table["ap_mean"] < 0)).sum())
    text = (
        f"A grid of {len(table)} synthetic studies (imbalance 1:1 to 1:1000, two class separations, label noise in "
        "the training labels (test labels clean), a flood of easy negatives, two sizes; XGBoost and LightGBM), "
        "each the same protocol as `boostfocal compare`: tuned focal loss against the better of tuned log loss and "
        "tuned class-weighted log loss, equal budgets, repeated cross-validation, corrected intervals, "
        f"Benjamini--Hochberg over all studies. Focal loss was significantly better in {up} and significantly "
        f"worse in {down} of the {len(table)} studies"
        + (f" ({missing} studies of the grid had not finished: see the results page)" if missing else "")
        + "."
    )
    if up == 0 and not missing:
        text += " **Focal loss helped in none of the conditions.**"
    half = float(((table["ap_high"] - table["ap_low"]) / 2).median())
    severe = table[table["imbalance"] >= 100]
    text += (
        f" Read that with the grid's resolution: the median half-width of a study's 95 % interval is {half:.3f} AP, "
        f"so per-cell gains of a few points of AP could go unseen. Descriptively (no test was declared for it "
        f"before the run, so it is a hypothesis for a next run, not a finding), {int((table['ap_mean'] > 0).sum())} "
        f"of the {len(table)} point estimates lean towards focal loss, {int((severe['ap_mean'] > 0).sum())} of the "
        f"{len(severe)} at 1:100 and 1:1000 (median {float(severe['ap_mean'].median()):+.3f} AP)."
    )
    return text


def fraud_note(csv: Path) -> str:
    """One sentence on the fraud notebook's asymmetric [4, 1] under repeated CV, or nothing."""
    if not csv.exists():
        return ""
    df = pd.read_csv(csv)
    iv = _stats().paired_interval(
        df["difference"].to_numpy(), test_train_ratio=df["n_test"].iloc[0] / df["n_train"].iloc[0]
    )
    return (
        f"\n\nThe fraud notebook's asymmetric focal loss `gamma=[4, 1]`, ahead of log loss on its single split, under "
        f"repeated cross-validation ({len(df)} folds, XGBoost, budget 4): {iv.mean:+.4f} AP [{iv.low:+.4f}, "
        f"{iv.high:+.4f}] against the best baseline: **no significant difference**."
        if iv.outcome == "tie"
        else f"\n\nThe fraud notebook's asymmetric `gamma=[4, 1]` under repeated cross-validation: {iv.mean:+.4f} AP "
        f"[{iv.low:+.4f}, {iv.high:+.4f}] against the best baseline ({iv.outcome})."
    )


def keel_note(csv: Path) -> str:
    """One paragraph on the KEEL regression (from conditions_keel_regression.csv), or nothing."""
    if not csv.exists():
        return ""
    coefs = pd.read_csv(csv)
    slopes = coefs[coefs["term"] != "intercept"]
    low = slopes.loc[slopes["p"].idxmin()]
    return (
        "On real data, the 50 KEEL sets of `benchmarks/keel.py`: regressing each set's difference (focal minus log "
        "loss, focal minus class-weighted log loss; both libraries) on its imbalance ratio, size, dimension and "
        f"class overlap (N3 of the positives), weighted by the sets' standard errors, gives {len(slopes)} slopes; "
        f"the smallest p-value is {low['p']:.2f} ({low['term']}, {low['library']}, against {low['baseline']}): "
        "**no property of a data set predicted when focal loss does better**. The results page gives each slope "
        "with the slope it could have detected (80 % power)."
    )


def _marked(table: pd.DataFrame, library: str, sign: int) -> int:
    t = table[table["library"] == library]
    return int((t["marked"] & (np.sign(t["ap_mean"]) == sign)).sum())


def write_report(
    out_dir: Path,
    md: Path,
    grid: pd.DataFrame,
    folds: pd.DataFrame,
    settings: Any,
    libraries: Sequence[str],
    *,
    command: str,
    smoke: bool,
    log: Callable[[str], None],
    evidence: Path | None = None,
) -> None:
    """conditions.md (the plan, then the results), the heat maps, conditions_cells.csv and the claims;
    with ``evidence``, the documentation page of the guides' table too."""
    lines = _plan_lines(grid, settings, libraries, smoke)
    table = cell_table(folds, grid) if len(folds) else pd.DataFrame()
    n_studies = len(grid) * len(libraries)
    lines += ["## Results", ""]
    if table.empty:
        md.write_text("\n".join([*lines, "No study has finished yet.", ""]), encoding="utf-8")
        return
    missing = n_studies - len(table)
    load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    spent = float(table["study_seconds"].sum())
    lines += [
        "The grid is fitted by `python benchmarks/conditions.py` (the full run: `--part 1/2` and `--part 2/2` side "
        f"by side under `nice -n 19`); this file was written by `{command}` on {platform.machine()}, "
        f"{os.cpu_count()} CPUs (load {load} when written). "
        f"{len(table)} of {n_studies} studies finished"
        + (f"; **{missing} missing** (rerun the same command to complete them)" if missing else "")
        + f"; they took {spent / 60:.1f} min of study time in total ("
        + ", ".join(
            f"{lib} {table.loc[table['library'] == lib, 'study_seconds'].sum() / 60:.1f} min" for lib in libraries
        )
        + "; the full run went as two parts side by side, one per library, so its wall time was about the larger).",
        "",
        f"Marked cells (BH-adjusted p < {ALPHA}): "
        + ", ".join(
            f"{lib} {_marked(table, lib, 1)} focal better / {_marked(table, lib, -1)} focal worse" for lib in libraries
        )
        + f" of {len(table)} studies; Holm (family-wise 5 %): {int((table['ap_p_holm'] < ALPHA).sum())} marked; "
        f"unadjusted intervals excluding 0: {int(((table.ap_low > 0) | (table.ap_high < 0)).sum())}.",
        "",
    ]
    for library in libraries:
        if not (table["library"] == library).any():
            continue
        png = out_dir / f"conditions_heat_{library}.png"
        heat_map(table, grid, library, png)
        lines += [f"### {library}", "", f"![heat map, {library}]({png.name})", "", *_cell_lines(table, library)]
    claims_mod = _sibling("_conditions_claims")
    claims = claims_mod.claim_table(table)
    lines += claims_mod.claim_lines(claims)
    lines += _calibration_lines(table, [lib for lib in libraries if (table["library"] == lib).any()])
    extra = out_dir / "conditions_extra.md"
    if extra.exists() and not smoke:  # the KEEL regression and the variants (made by --extra)
        lines += [extra.read_text(encoding="utf-8")]
    table.to_csv(out_dir / "conditions_cells.csv", index=False)
    claims.to_csv(out_dir / "conditions_claims.csv", index=False)
    if evidence is not None:
        summary = evidence_summary(table, claims, missing)
        note = keel_note(out_dir / "conditions_keel_regression.csv") + fraud_note(
            out_dir / "conditions_fraud_asym41_folds.csv"
        )
        claims_mod.write_evidence(evidence, claims, summary + ("\n\n" + note if note else ""))
    md.write_text("\n".join(lines) + "\n", encoding="utf-8")
    log(f"{len(table)} studies summarised")
