"""The files of a study: ``report.html`` (self-contained, embedded PNGs), ``report.md`` (the same
tables), ``results.json``, ``recommended.json`` and ``fold_scores.csv``."""

from __future__ import annotations

import base64
import html
import io
import json
import math
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from ._metrics import HIGHER_IS_BETTER, METRICS
from ._plan import Plan
from ._stats import Interval

__all__ = [
    "StudyOutcome",
    "verdict_sentence",
    "recommendation_rows",
    "write_report",
    "check_out_dir",
    "markdown_report",
    "html_report",
    "figures",
]

FILES = ("report.html", "report.md", "results.json", "recommended.json", "preparation.json", "fold_scores.csv")
_TITLES = {
    "average_precision": "avg precision",
    "roc_auc": "ROC AUC",
    "recall_at_precision": "recall@P",
    "brier": "Brier",
    "log_loss": "log loss",
}


class StudyOutcome(Protocol):
    """What a report is written from: the attributes of :class:`._result.CompareResult` it reads
    (documented there), so that this module needs nothing above it."""

    task: str
    n_rows: int
    n_features: int
    classes: list[Any]
    class_counts: list[int]
    positive: Any
    metric: str
    plan: Plan
    fold_scores: Any
    trials: Any
    differences: Any
    comparison: Interval
    recommended: dict[str, Any]
    pooled: dict[tuple[str, str], dict[str, NDArray]]
    n_train: float
    n_test: float

    @property
    def verdict(self) -> str: ...

    @property
    def notes(self) -> list[str]: ...

    @property
    def positive_rate(self) -> float | dict[str, float] | None: ...

    def table(self) -> Any: ...

    def to_dict(self) -> dict[str, Any]: ...

    def preparation_record(self) -> dict[str, Any]: ...


def check_out_dir(path: Path, *, overwrite: bool, cli: bool = False) -> None:
    """Refuse a file, or an existing non-empty folder without ``overwrite`` (nothing is created);
    ``cli`` words the messages for the command line (``--out``, ``--overwrite``)."""
    name = f"--out {str(path)!r}" if cli else f"{str(path)!r}"
    if path.exists() and not path.is_dir():
        raise ValueError(f"{name} exists and is not a folder")
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise ValueError(
            f"{name} exists and is not empty; pass {'--overwrite' if cli else 'overwrite=True'} to replace"
        )
    parent = path.parent if not path.exists() else path
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ValueError(f"{name}: {str(parent)!r} is not a folder")


def _fmt(v: float, digits: int = 4) -> str:
    return f"{v:.{digits}f}" if math.isfinite(v) else "inf"


def _method_rows(result: StudyOutcome) -> tuple[list[str], list[list[str]]]:
    p = result.plan
    headers = ["method", "library"] + [
        _TITLES[m].replace("@P", f"@P{p.precision:g}") + (" *" if m == result.metric else "") for m in METRICS
    ]
    headers.append("fit s / config")
    rows = []
    table = result.table()
    for rec in table.to_dict("records"):
        row = [str(rec["method"]), str(rec["library"])]
        for m in METRICS:
            row.append(f"{_fmt(rec[m])} [{_fmt(rec[m + '_low'])}, {_fmt(rec[m + '_high'])}]")
        row.append(f"{rec['fit_seconds']:.2f}")
        rows.append(row)
    return headers, rows


def _diff_rows(result: StudyOutcome) -> tuple[list[str], list[list[str]]]:
    headers = ["repeat", "fold", "best focal (inner valid)", "best baseline (inner valid)", "focal", "baseline", "diff"]
    rows = [
        [
            str(r.repeat + 1),
            str(r.fold + 1),
            f"{r.focal_method} ({r.focal_library})",
            f"{r.baseline_method} ({r.baseline_library})",
            _fmt(r.focal_score),
            _fmt(r.baseline_score),
            f"{r.difference:+.4f}",
        ]
        for r in result.differences.itertuples()
    ]
    return headers, rows


def _markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _html_table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def _summary_lines(result: StudyOutcome) -> list[str]:
    p = result.plan
    c = result.comparison
    counts = ", ".join(f"{k}: {n:,}" for k, n in zip(result.classes, result.class_counts, strict=True))
    rate = ""
    if result.task == "binary":
        rate = f", positive rate {result.positive_rate:.4f} (positive: {result.positive!r})"
    if result.task == "multilabel":
        rates = ", ".join(
            f"{k}: {n / result.n_rows:.4f}" for k, n in zip(result.classes, result.class_counts, strict=True)
        )
        counts = f"{len(result.classes)} labels, positive rows {counts}"
        rate = f", positive rates {rates}"
    stratified = "stratified" if result.task != "multilabel" else "iteratively stratified (multi-label)"
    lines = [
        f"Data: {result.n_rows:,} rows, {result.n_features} features, {result.task} ({counts}){rate}.",
        f"Protocol: {p.cv}-fold {stratified} cross-validation x {p.repeats} repeat(s); {p.budget} configuration(s) "
        + (
            "per method (seeded random search; configuration i of every method uses the same booster draw i); "
            if p.searcher == "random"
            else "per method (Optuna TPE, one seeded study per method and fold, from the same first settings); "
        )
        + f"inside each training fold a stratified 20 % inner validation split for early stopping on each method's "
        f"own loss (patience {p.patience}, at most {p.n_estimators} rounds) and for choosing each method's "
        f"configuration by {result.metric}; the chosen model (fitted on the inner training part) scores the outer "
        f"test fold. Library: {p.library}; {p.n_jobs} booster thread(s); seed {p.random_state}"
        + ("; --quick." if p.quick else "."),
        f"Verdict ({result.metric}, best focal minus best baseline, both picked per fold on the inner validation "
        f"split): {c.mean:+.4f} [{c.ci_low:+.4f}, {c.ci_high:+.4f}] -> **{result.verdict}**.",
        f"Intervals: {p.confidence:.0%} Nadeau-Bengio corrected resampled t over the {p.cv * p.repeats} outer folds "
        f"(variance times 1/J + n_test/n_train = 1/{p.cv * p.repeats} + {result.n_test:.0f}/{result.n_train:.0f}): "
        "the folds share training rows, so the naive t interval would be too narrow (Nadeau & Bengio, 2003; "
        "Bouckaert & Frank, 2004). The verdict follows the interval, not the point estimate. Score intervals are "
        "clipped to the metric's range.",
        "Brier score and log loss use posterior estimates (focal: focal_to_posterior / predict_posterior; "
        "class-weighted: the class weights undone); ranking metrics use the model's own probabilities.",
    ]
    if result.task == "multiclass":
        lines.append("Multiclass: ranking metrics are macro one-vs-rest averages; Brier sums over the classes.")
    if result.task == "multilabel":
        lines.append(
            "Multi-label: every metric is the macro average over the labels of the per-label binary metric (Brier "
            "and log loss too); folds and inner splits by label-wise iterative stratification (Sechidis et al., "
            "2011). Log loss: XGBoost binary:logistic on the (n, K) labels, LightGBM FocalLGBMClassifier(gamma=0); "
            "class-weighted log loss: the focal estimator at gamma=0 with per-label alpha [1, w_l]. The "
            "precision-recall curves and the reliability diagram pool every (row, label) pair (micro)."
        )
    return lines


_VERDICT_HEADS = {
    "focal is better": "Focal loss is better than the best baseline",
    "focal is worse": "Focal loss is worse than the best baseline",
    "no significant difference": "Focal loss and the best baseline are not significantly different",
}


def verdict_sentence(result: StudyOutcome) -> str:
    """The verdict in one plain sentence, with the difference and its interval."""
    c, m = result.comparison, result.metric
    better = "higher" if HIGHER_IS_BETTER[m] else "lower"
    return (
        f"{_VERDICT_HEADS[result.verdict]} in {m} ({better} is better): best focal minus best baseline "
        f"{c.mean:+.4f}, {result.plan.confidence:.0%} interval [{c.ci_low:+.4f}, {c.ci_high:+.4f}]"
        + (", which contains 0." if result.verdict == "no significant difference" else ".")
    )


def _target_lines(result: StudyOutcome) -> list[str]:
    target = result.plan.target
    lines = [target.describe()[0].upper() + target.describe()[1:] + "."]
    warning = target.majority_warning(option="--positive (positive=)")
    return lines + ([warning[0].upper() + warning[1:]] if warning else [])


def _value(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v)


def _loss_summary(loss: dict[str, Any]) -> str:
    """The loss in a few words: its name and the settings that define it (the full record is below)."""
    keys = ("gamma", "alpha", "class_weights", "positive_weights", "class_weight_exponent", "poly_epsilon", "link")
    shown = [f"{k} {_value(loss[k])}" for k in keys if k in loss and loss[k] not in (None, 0.0)]
    return str(loss.get("loss", "")) + (f" ({', '.join(shown)})" if shown else "")


def recommendation_rows(result: StudyOutcome) -> tuple[list[str], list[list[str]]]:
    """The recommendation as a two-column table: what to train and with which settings."""
    r = result.recommended
    rows = [
        ["method", f"{r['method']} ({r['choice']})"],
        ["library", str(r["library"])],
        ["estimator", str(r["estimator"])],
        ["loss", _loss_summary(r["loss"])],
    ]
    rows += [[str(k), _value(v)] for k, v in r["estimator_params"].items()]  # the estimator's parameters
    rows.append(
        [f"mean inner-validation {r['metric']}", f"{r['inner_validation_score']:.4f} (configuration {r['config']})"]
    )
    return ["setting", "value"], rows


#: The two commands that train and serve the recommendation (the first screen shows them).
SERVE_COMMANDS = (
    "boostfocal fit STUDY_DIR DATA --out MODEL_DIR",
    "boostfocal predict MODEL_DIR NEW_DATA --out predictions.csv",
)
_SERVE_TEXT = (
    "Fit it on all rows (the study's round count; writes the model file, its preparation and a model card), "
    "then serve it (posterior estimates and labels), STUDY_DIR being this report's folder:"
)


def markdown_report(result: StudyOutcome) -> str:
    """``report.md``: the first screen (verdict, target, recommendation), the study, the method table,
    the per-fold differences, the loss record."""
    out = ["# boostfocal compare", "", f"**Verdict.** {verdict_sentence(result)}", ""]
    out += [f"**Target.** {line}" for line in _target_lines(result)]
    h, rows = recommendation_rows(result)
    out += ["", f"**Recommended.** {result.recommended['why']}", "", _markdown_table(h, rows)]
    out += ["", _SERVE_TEXT, "", "```bash", *SERVE_COMMANDS, "```"]
    out += ["", "## The study", ""] + [f"- {line}" for line in _summary_lines(result)]
    if result.notes:
        out += ["", "## Data notes", ""] + [f"- {n}" for n in result.notes]
    h, rows = _method_rows(result)
    star = "higher is better" if HIGHER_IS_BETTER[result.metric] else "lower is better"
    out += ["", f"## Methods (mean [{result.plan.confidence:.0%} interval] over the outer folds)", ""]
    out += [_markdown_table(h, rows), "", f"\\* primary metric ({star}); fit s: mean seconds of one fit."]
    h, rows = _diff_rows(result)
    out += ["", "## Paired differences per outer fold", "", _markdown_table(h, rows)]
    loss = json.dumps(result.recommended["loss"], indent=2, default=_json_default)
    out += ["", "## Loss record of the recommendation", "", "```json", loss, "```"]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- figures
def _png(fig: Any) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()


def _curve_class(result: StudyOutcome) -> tuple[int, str]:
    if result.task == "binary":
        return 1, f"positive class {result.positive!r}"
    if result.task == "multilabel":
        return -1, f"all {len(result.classes)} labels pooled (micro)"
    k = int(np.argmin(result.class_counts))
    return k, f"rarest class {result.classes[k]!r} against the rest"


def _curve_pairs(result: StudyOutcome, k: int) -> tuple[Any, Any]:
    """``(y, w)`` of the curves: the class ``k`` against the rest, or (multi-label, ``k = -1``) every
    (row, label) pair in row-major order, each with its row's weight."""
    codes, w = result.plan.target.codes, result.plan.sample_weight
    if k < 0:
        return codes.ravel() == 1, None if w is None else np.repeat(w, codes.shape[1])
    return codes == k, w


def _curve_scores(pred: Any, k: int) -> Any:
    return pred.ravel() if k < 0 else pred[:, k]


def orders_differ(first: dict[Any, float], second: dict[Any, float]) -> bool:
    """True when two scorings of the same keys rank some pair in opposite orders (ties rank no pair)."""
    keys = list(first)
    return any((first[a] - first[b]) * (second[a] - second[b]) < 0 for i, a in enumerate(keys) for b in keys[i + 1 :])


def _pr_figure(result: StudyOutcome, k: int, which: str) -> bytes:
    """The precision-recall curves of the pooled outer test folds (first repeat), each labelled with the
    method's mean fold average precision (what the tables and the verdict use) and its pooled one."""
    import matplotlib.pyplot as plt
    from sklearn.metrics import average_precision_score, precision_recall_curve

    y, w = _curve_pairs(result, k)
    table = result.table().set_index(["method", "library"])
    fold_ap, pooled_ap = {}, {}
    macro = "" if result.task == "binary" else " (macro)"  # the tables' AP; the curves are one class / micro
    fig, ax = plt.subplots(figsize=(7, 5))
    for (method, library), pred in result.pooled.items():
        scores = _curve_scores(pred["proba"], k)
        prec, rec, _ = precision_recall_curve(y, scores, sample_weight=w)
        fold_ap[method, library] = float(table.loc[(method, library), "average_precision"])
        pooled_ap[method, library] = float(average_precision_score(y, scores, sample_weight=w))
        ls = "-" if method == "log_loss" else "--" if method == "weighted_log_loss" else "-."
        ap, pooled = fold_ap[method, library], pooled_ap[method, library]
        label = f"{method} ({library}): mean fold AP{macro} {ap:.3f}, these curves {pooled:.3f}"
        ax.plot(rec, prec, linestyle=ls, label=label)
    ax.axhline(float(np.average(y, weights=w)), color="grey", linewidth=0.8, label="no skill")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02))
    title = f"Precision-recall, pooled outer test folds (repeat 1), {which}"
    if not macro and orders_differ(fold_ap, pooled_ap):
        title += "\npooling the folds orders the methods differently from their mean fold AP (the tables decide)"
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="best")  # the least covered corner: where the curves are depends on the data
    fig.tight_layout()
    return _png(fig)


def _gamma_figure(result: StudyOutcome) -> bytes:
    """The mean inner-validation metric of every focal configuration against its gamma, with the best
    baseline configurations as horizontal lines; gamma ticks at readable values."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    t = result.trials
    gammas: list[float] = []
    for (method, library), _ in result.pooled.items():
        if not method.startswith("focal"):
            continue
        sub = t[(t["method"] == method) & (t["library"] == library)]
        mean = sub.groupby("params")["valid_score"].mean()
        gam = [float(np.mean(json.loads(key)["loss"]["gamma"])) for key in mean.index]
        gammas += gam
        ax.scatter(gam, mean.to_numpy(), label=f"{method} ({library})", alpha=0.8)
    for (method, library), _ in result.pooled.items():
        if method.startswith("focal"):
            continue
        sub = t[(t["method"] == method) & (t["library"] == library)]
        best = sub.groupby("params")["valid_score"].mean()
        level = float(best.max() if HIGHER_IS_BETTER[result.metric] else best.min())
        ax.axhline(level, linestyle=":", linewidth=1, color=f"C{len(ax.lines) + 5}", label=f"best {method} ({library})")
    ax.set_xscale("symlog", linthresh=0.25)
    low, high = (min(gammas), max(gammas)) if gammas else (0.25, 5.0)
    ticks = [g for g in (0.0, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0) if low / 1.5 <= g <= high * 1.5] or [low]
    ax.set_xticks(ticks, labels=[f"{g:g}" for g in ticks])
    ax.minorticks_off()
    ax.set(xlabel="gamma (per-class gamma: their mean)", ylabel=f"mean inner-validation {result.metric}")
    ax.set_title("Metric against gamma: every focal configuration (booster settings vary too)", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return _png(fig)


def _reliability_figure(result: StudyOutcome, k: int, which: str) -> bytes:
    """Reliability diagrams of every focal method: its probabilities and its posterior estimates."""
    import matplotlib.pyplot as plt

    y, w = _curve_pairs(result, k)
    focal_runs = [run for run in result.pooled if run[0].startswith("focal")]
    ncols = min(3, len(focal_runs))
    nrows = -(-len(focal_runs) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 4 * nrows), squeeze=False)
    for ax in axes.ravel()[len(focal_runs) :]:
        ax.set_visible(False)
    bins = np.linspace(0, 1, 11)
    for ax, run in zip(axes.ravel(), focal_runs, strict=False):
        for key, label in (("proba", "focal probabilities"), ("posterior", "after focal_to_posterior")):
            p = _curve_scores(result.pooled[run][key], k)
            idx = np.clip(np.digitize(p, bins) - 1, 0, 9)
            xs, ys = [], []
            for b in range(10):
                m = idx == b
                if m.any():
                    ww = None if w is None else w[m]
                    xs.append(float(np.average(p[m], weights=ww)))
                    ys.append(float(np.average(y[m], weights=ww)))
            ax.plot(xs, ys, marker="o", label=label)
        ax.plot([0, 1], [0, 1], color="grey", linewidth=0.8)
        ax.set(xlabel="predicted probability", ylabel="observed frequency", xlim=(0, 1), ylim=(0, 1))
        ax.set_title(f"Reliability: {run[0]} ({run[1]}), {which}", fontsize=8)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return _png(fig)


def figures(result: StudyOutcome) -> dict[str, bytes]:
    """PNG bytes: PR curves of every method (pooled outer folds of the first repeat), the metric
    against gamma (inner validation, every focal configuration), reliability before / after correction."""
    import matplotlib

    matplotlib.use("Agg")
    k, which = _curve_class(result)
    return {
        "pr_curves.png": _pr_figure(result, k, which),
        "metric_vs_gamma.png": _gamma_figure(result),
        "reliability.png": _reliability_figure(result, k, which),
    }


def html_report(result: StudyOutcome, images: dict[str, bytes]) -> str:
    """``report.html``: one page, no network needed (CSS inline, images as data URIs)."""
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><title>boostfocal compare</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;font-size:0.9em}td,th{border:1px solid #ccc;padding:3px 6px}"
        "th{background:#eee}img{max-width:100%}pre,.scroll{overflow-x:auto}.verdict{font-size:1.15em}"
        "@media (max-width:600px){table{font-size:0.8em}}</style></head><body>",
        "<h1>boostfocal compare</h1>",
        f"<p class='verdict'><strong>Verdict.</strong> {html.escape(verdict_sentence(result))}</p>",
    ]
    parts += [f"<p><strong>Target.</strong> {html.escape(line)}</p>" for line in _target_lines(result)]
    h, rows = recommendation_rows(result)
    parts += [
        f"<p><strong>Recommended.</strong> {html.escape(result.recommended['why'])}</p>",
        _html_table(h, rows),
        f"<p>{html.escape(_SERVE_TEXT)}</p><pre>{html.escape(chr(10).join(SERVE_COMMANDS))}</pre>",
        "<h2>The study</h2><ul>",
    ]
    parts += [f"<li>{html.escape(line).replace('**', '')}</li>" for line in _summary_lines(result)]
    parts.append("</ul>")
    if result.notes:
        parts.append("<h2>Data notes</h2><ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in result.notes) + "</ul>")
    h, rows = _method_rows(result)
    parts += [
        f"<h2>Methods (mean [{result.plan.confidence:.0%} interval] over the outer folds)</h2>",
        _html_table(h, rows),
        "<p>* primary metric; fit s: mean seconds of one fit.</p>",
    ]
    h, rows = _diff_rows(result)
    parts += ["<h2>Paired differences per outer fold</h2>", _html_table(h, rows)]
    loss = json.dumps(result.recommended["loss"], indent=2, default=_json_default)
    parts.append(f"<h2>Loss record of the recommendation</h2><pre>{html.escape(loss)}</pre>")
    parts.append("<h2>Figures</h2>")
    for name, data in images.items():
        b64 = base64.b64encode(data).decode("ascii")
        parts.append(f"<p><img alt='{html.escape(name)}' src='data:image/png;base64,{b64}'></p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(result: StudyOutcome, path: Path, *, overwrite: bool = False) -> list[Path]:
    """Write the five files of the study into ``path``; return their paths.

    All or nothing: every file is made in memory first, written beside its final name and renamed
    into place at the end; an error or Ctrl-C before that removes what was written (and the folder
    when this call created it).
    """
    check_out_dir(path, overwrite=overwrite)
    numbered = result.fold_scores.assign(repeat=result.fold_scores["repeat"] + 1, fold=result.fold_scores["fold"] + 1)
    contents: dict[str, str] = {
        "report.html": html_report(result, figures(result)),
        "report.md": markdown_report(result),
        "results.json": json.dumps(result.to_dict(), indent=2, default=_json_default) + "\n",
        "recommended.json": json.dumps(result.recommended, indent=2, default=_json_default) + "\n",
        "preparation.json": json.dumps(result.preparation_record(), indent=2, default=_json_default) + "\n",
        "fold_scores.csv": numbered.to_csv(index=False),  # files number the folds from 1
    }
    created = not path.exists()
    path.mkdir(parents=True, exist_ok=True)
    partial = [path / f".{name}.partial" for name in contents]
    try:
        for tmp, text in zip(partial, contents.values(), strict=True):
            tmp.write_text(text, encoding="utf-8")
        for tmp, name in zip(partial, contents, strict=True):
            tmp.replace(path / name)
    except BaseException:
        for tmp in partial:
            tmp.unlink(missing_ok=True)
        if created and not any(path.iterdir()):
            path.rmdir()
        raise
    return [path / name for name in contents]


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
