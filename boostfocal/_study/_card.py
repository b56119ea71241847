"""The model card of a fitted model (``model_card.json`` and ``model_card.md``): data and imbalance,
the loss and its settings, the verdict with its interval, the metrics, why this loss, date, versions,
and what the model's output means. ``boostfocal predict`` reads the JSON (the model file, the
target encoding, the posterior rule, the stored threshold); the Markdown is the same for people.
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import json
import platform
from typing import Any

__all__ = ["model_card", "card_markdown", "CARD_FORMAT", "output_meaning"]

#: Version of the ``model_card.json`` layout.
CARD_FORMAT = 1


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def output_meaning(rule: dict[str, Any]) -> str:
    """What ``predict`` writes by default, in a sentence, for a posterior rule (:func:`._model.posterior_rule`)."""
    if rule["kind"] == "focal":
        return (
            "posterior estimates: the model's focal probabilities (under-confident by design, not frequencies) "
            "mapped back by boostfocal.focal_to_posterior with the loss below; --output model writes the focal "
            "probabilities themselves"
        )
    if rule["kind"] == "class_weights":
        return (
            "posterior estimates: the class-weighted model's probabilities with the class weights undone (they "
            "over-state the up-weighted class); --output model writes the weighted probabilities"
        )
    return (
        "posterior estimates: the probabilities of a log-loss model are its posterior estimates "
        "(--output model: the same)"
    )


def _metrics(results: dict[str, Any], method: str, library: str) -> dict[str, Any]:
    for m in results.get("methods", []):
        if m["name"] == method and m["library"] == library:
            return dict(m["scores"])
    return {}


def model_card(
    *,
    card: dict[str, Any],
    results: dict[str, Any],
    encoding: dict[str, Any],
    rule: dict[str, Any],
    files: dict[str, str | None],
    data: dict[str, Any],
    notes: list[str],
) -> dict[str, Any]:
    """The content of ``model_card.json``.

    ``card``: the study's ``recommended.json``; ``results``: its ``results.json``; ``encoding``: the
    target encoding; ``rule``: the posterior rule; ``files``: ``{"model": ..., "onnx": ... or None}``;
    ``data``: the training table (``file``, ``n_rows``, ``class_counts``); ``notes``: what fit did.
    """
    from .. import __version__

    library = card["library"]
    comparison = results.get("comparison", {})
    return {
        "format": CARD_FORMAT,
        "kind": "boostfocal model",
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": {
            "boostfocal": __version__,
            "python": platform.python_version(),
            library: _version(library),
            "numpy": _version("numpy"),
            "pandas": _version("pandas"),
            "scikit-learn": _version("scikit-learn"),
        },
        "library": library,
        "files": files,
        "method": card["method"],
        "choice": card["choice"],
        "estimator": card["estimator"],
        "estimator_params": card["estimator_params"],
        "rounds": card["estimator_params"].get("n_estimators"),
        "loss": card["loss"],
        "posterior_rule": rule,
        "output": output_meaning(rule),
        "target": encoding,
        "data": {**data, "study_rows": results.get("n_rows"), "study_imbalance": card.get("imbalance")},
        "verdict": {
            "code": card["verdict"],
            "metric": card["metric"],
            "focal_minus_best_baseline": card["focal_minus_best_baseline"],
            "confidence": results.get("settings", {}).get("confidence"),
            "interval": comparison.get("interval"),
        },
        "metrics": _metrics(results, card["method"], library),
        "why": card["why"],
        "threshold_at_precision": card.get("threshold_at_precision"),
        "study_settings": results.get("settings", {}),
        "notes": notes,
    }


def _interval(iv: dict[str, Any]) -> str:
    return f"{iv['mean']:+.4f} [{iv['ci_low']:+.4f}, {iv['ci_high']:+.4f}]"


def card_markdown(mc: dict[str, Any]) -> str:
    """``model_card.md``: the card for people."""
    d, v, t = mc["data"], mc["verdict"], mc["target"]
    counts = ", ".join(f"{k}: {n:,}" for k, n in d.get("class_counts", {}).items())
    positive = f"; positive class {t['positive']!r}" if t["task"] == "binary" else ""
    level = f"{v['confidence']:.0%} " if v.get("confidence") else ""
    out = [
        "# Model card (boostfocal)",
        "",
        f"- **Model**: {mc['method']} ({mc['choice']}) with {mc['library']} ({mc['estimator']}), "
        f"{mc['rounds']} rounds, file `{mc['files']['model']}`"
        + (f", ONNX `{mc['files']['onnx']}`" if mc["files"].get("onnx") else ""),
        f"- **Trained on**: `{d['file']}`, {d['n_rows']:,} rows ({counts}); {t['task']} target{positive}",
        f"- **Verdict of the study** ({v['metric']}, best focal minus best baseline, {level}interval): "
        f"{_interval(v['focal_minus_best_baseline'])} -> {v['code']}",
        f"- **Why this loss**: {mc['why']}",
        f"- **Output**: `boostfocal predict` writes {mc['output']}.",
        "- **Preparation**: `preparation.json` (applied by `boostfocal predict`; an ONNX file holds the model only, "
        "fed the prepared features).",
    ]
    th = mc.get("threshold_at_precision")
    if th and th.get("threshold") is not None:
        out.append(
            f"- **Threshold at precision {th['target_precision']:g}** (`--precision {th['target_precision']:g}`): "
            f"posterior >= {th['threshold']:.4f}, which gave precision {th['precision']:.3f} and recall "
            f"{th['recall']:.3f} on the study's pooled out-of-fold predictions (an estimate for new rows)"
        )
    elif th:
        out.append(f"- **Threshold at precision {th['target_precision']:g}**: none ({th.get('note')})")
    out += ["", "## Metrics of this method in the study (mean [interval] over the outer folds)", ""]
    out += ["| metric | value |", "|---|---|"]
    out += [f"| {m} | {iv['mean']:.4f} [{iv['ci_low']:.4f}, {iv['ci_high']:.4f}] |" for m, iv in mc["metrics"].items()]
    out += ["", "## Loss and settings", "", "```json", json.dumps(mc["loss"], indent=2), "```", ""]
    out += ["| parameter | value |", "|---|---|"]
    out += [f"| {k} | {json.dumps(val)} |" for k, val in mc["estimator_params"].items()]
    versions = ", ".join(f"{k} {val}" for k, val in mc["versions"].items() if val)
    out += ["", f"Date: {mc['date']}. Versions: {versions}."]
    if mc["notes"]:
        out += ["", "## Notes", ""] + [f"- {n}" for n in mc["notes"]]
    return "\n".join(out) + "\n"
