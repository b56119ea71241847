"""The guides' "use / avoid" table, each claim put to the cells of ``benchmarks/conditions.py`` that test it.

A claim names a set of studies (cells x libraries, :data:`CLAIMS`) and the direction it predicts
for the AP difference best focal minus best baseline: "use" claims predict focal better, "avoid"
claims predict focal worse. The verdict counts the studies of that set whose Benjamini--Hochberg
adjusted p-value (over every study of the grid) is below 0.05, fixed before the run:

* **supported**: some marked in the predicted direction, none against it;
* **contradicted**: some marked against it, none for it;
* **mixed**: marked both ways;
* **no effect found**: none marked (the median and the range of the differences say how close
  to 0, and the widest interval how much the grid could have missed).

Calibration claims use the same rule on the Brier-score differences of the calibration arms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["Claim", "CLAIMS", "claim_table", "claim_lines", "write_evidence"]

ALPHA = 0.05
RESULTS_LINK = "conditions_tables.md"  # docs/evidence/conditions_tables.md includes benchmarks/results/conditions.md


@dataclass(frozen=True)
class Claim:
    guide: str  #: the claim in the guides' words
    advice: str  #: "use" or "avoid"
    cells: str  #: which studies test it, in words
    select: Callable[[pd.DataFrame], pd.Series]
    column: str = "ap"  #: the prefix of the difference's columns in the cell table
    sign: int = 1  #: the direction the claim predicts (+1: the difference above 0)
    equivalence: bool = False  #: the claim is "no worse": nothing marked against it supports it


CLAIMS: tuple[Claim, ...] = (
    Claim(
        "severe imbalance",
        "use",
        "imbalance 1:100 and 1:1000, every noise level, flood, size and separation",
        lambda t: t["imbalance"] >= 100,
    ),
    Claim(
        "a flood of easy examples drowns the rare hard ones",
        "use",
        "90 % of the negatives trivially easy (clean labels, both sizes, every imbalance and separation)",
        lambda t: t["easy_share"] > 0,
    ),
    Claim(
        "when oversampling is risky (few positives)",
        "use",
        "50 positives at 1:100 and 1:1000 (the rare-and-few cells where synthetic positives would be copies)",
        lambda t: (t["size"] == "small") & (t["imbalance"] >= 100),
    ),
    Claim(
        "balanced, clean data",
        "avoid",
        "imbalance 1:1, clean labels, no flood (both sizes and separations)",
        lambda t: (t["imbalance"] == 1) & (t["noise_kind"] == "none") & (t["easy_share"] == 0),
        sign=-1,
    ),
    Claim(
        "noisy labels (symmetric: as many negatives flipped as positives)",
        "avoid",
        "5 % and 20 % of the positives' training labels flipped, as many negatives (every imbalance, separation)",
        lambda t: t["noise_kind"] == "both",
        sign=-1,
    ),
    Claim(
        "noisy labels (class-conditional: missed positives)",
        "avoid",
        "20 % of the positives' training labels flipped to 0 (every imbalance, separation)",
        lambda t: t["noise_kind"] == "positives",
        sign=-1,
    ),
    Claim(
        "focal loss's probabilities are miscalibrated (raw)",
        "avoid",
        "every study: Brier score of focal's raw probabilities minus log loss's",
        lambda t: t["imbalance"] > 0,
        column="brier|focal raw-LL|",
        sign=1,
    ),
    Claim(
        "imbalance corrections worsen calibration (Stat Med 2025): class weights, even undone",
        "avoid",
        "every study: Brier score of class-weighted log loss (weights undone) minus log loss's",
        lambda t: t["imbalance"] > 0,
        column="brier|class-weighted (undone)-LL|",
        sign=1,
    ),
    Claim(
        "`focal_to_posterior` gives back calibrated probabilities",
        "use",
        "every study: Brier score of focal after `focal_to_posterior` minus log loss's (the claim: not worse)",
        lambda t: t["imbalance"] > 0,
        column="brier|focal corrected-LL|",
        sign=-1,
        equivalence=True,
    ),
)


def _columns(claim: Claim) -> tuple[str, str, str, str]:
    if claim.column == "ap":
        return "ap_mean", "ap_low", "ap_high", "ap_p_bh"
    pre = claim.column
    return f"{pre}mean", f"{pre}low", f"{pre}high", f"{pre}p_bh"


def claim_table(table: pd.DataFrame) -> pd.DataFrame:
    """One row per claim: studies, marked for / against, median and range of the difference, verdict."""
    rows = []
    for claim in CLAIMS:
        mean, low, high, p_bh = _columns(claim)
        t = table[claim.select(table)]
        marked = t[p_bh] < ALPHA
        up, down = int((marked & (t[mean] > 0)).sum()), int((marked & (t[mean] < 0)).sum())
        pro, con = (up, down) if claim.sign > 0 else (down, up)
        is_calibration = claim.column != "ap"
        if t.empty:
            verdict = "not run"
        elif claim.equivalence and not con:
            verdict = "supported" + ("" if pro else " (no study worse)")
        elif pro and not con:
            verdict = "supported"
        elif con and not pro:
            verdict = "contradicted"
        elif pro and con:
            verdict = "mixed"
        else:
            verdict = "no effect found"
        rows.append(
            {
                "claim": claim.guide,
                "advice": claim.advice,
                "cells": claim.cells,
                "studies": len(t),
                "marked above 0": up,
                "marked below 0": down,
                "unadjusted CI excludes 0": int(((t[low] > 0) | (t[high] < 0)).sum()),
                "median": float(t[mean].median()),
                "min": float(t[mean].min()),
                "max": float(t[mean].max()),
                "widest half-interval": float(((t[high] - t[low]) / 2).max()),
                "verdict": verdict,
                "metric": "Brier" if is_calibration else "AP",
            }
        )
    return pd.DataFrame(rows)


def claim_lines(claims: pd.DataFrame) -> list[str]:
    """The section of conditions.md (its heading is the anchor the evidence page links to)."""
    lines = [
        "## The guides' claims, measured",
        "",
        "Each claim against the studies that test it (`benchmarks/_conditions_claims.py` fixes the sets and the "
        "rule before the run): marked = BH-adjusted p < 0.05 over all studies. 'better' / 'worse' is focal "
        "against the best baseline in AP, or, for the probability rows, in Brier score (lower is better: 'focal "
        "better' there means a lower Brier score than log loss).",
        "",
        "| claim | advice | studies | focal better / worse (marked) | unadjusted CI excludes 0 | median [min, max] "
        "| widest half-interval | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for _, r in claims.iterrows():
        up, down = r["marked above 0"], r["marked below 0"]
        if r["metric"] == "Brier":  # lower Brier is better for focal
            up, down = down, up
        lines.append(
            f"| {r['claim']} | {r['advice']} | {r['studies']} | {up} / {down} | {r['unadjusted CI excludes 0']} | "
            f"{r['median']:+.4f} [{r['min']:+.4f}, {r['max']:+.4f}] ({r['metric']}) | "
            f"{r['widest half-interval']:.3f} | **{r['verdict']}** |"
        )
    return [*lines, ""]


def write_evidence(path: Path, claims: pd.DataFrame, summary: str) -> None:
    """docs/evidence/conditions.md: the guides' table with the measured column, numbers one click away."""
    link = f"{RESULTS_LINK}#the-guides-claims-measured"
    lines = [
        "# When does focal loss help a boosted tree? The guides' table, measured",
        "",
        summary,
        "",
        "| the guides say | advice | measured | what the grid found | cells |",
        "|---|---|---|---|---|",
    ]
    for _, r in claims.iterrows():
        up, down, n = r["marked above 0"], r["marked below 0"], r["studies"]
        if r["metric"] == "Brier":
            found = f"Brier score minus log loss's: median {r['median']:+.4f}; lower in {down}, higher in {up} of {n}"
        else:
            found = (
                f"AP, focal minus best baseline: median {r['median']:+.4f} (range {r['min']:+.4f} to "
                f"{r['max']:+.4f}); focal better in {up}, worse in {down} of {n}"
            )
        found += " studies (marked: BH-adjusted p < 0.05)"
        lines.append(f"| {r['claim']} | {r['advice']} | **{r['verdict']}** | {found} | [{r['cells']}]({link}) |")
    lines += [
        "| you cannot afford to tune one more knob | avoid | not measured apart | every method had the same 2 "
        "configurations; focal's first is the default gamma 2 (so the grid measures focal with almost no tuning) "
        f"| [protocol]({RESULTS_LINK}) |",
        "",
        f"How it was measured: [`benchmarks/results/conditions.md`]({RESULTS_LINK}) (the plan, the heat maps, every "
        "cell with its interval, the calibration table, the KEEL regression and the variants), made by "
        "`python benchmarks/conditions.py` (the grid) and `python benchmarks/conditions.py --extra` (KEEL, "
        "variants). Verdict rule: a claim is *supported* when some of its studies differ significantly in the "
        "claimed direction after the Benjamini--Hochberg correction over all studies and none in the other, "
        "*contradicted* in the opposite case, *no effect found* when none differs (the interval widths say how "
        "large an effect could have gone unseen).",
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
