r"""Serve a focal model anywhere: ONNX export and the posterior map as data.

* :func:`to_onnx`: a fitted focal model (estimator or booster) as one ONNX graph returning the
  labels ``predict`` returns and the probabilities ``predict_proba`` returns (or, with
  ``posterior=True``, those ``predict_posterior`` returns);
* :func:`posterior_map`: the parameters of the closed-form posterior map (``posterior_map.json``)
  for serving stacks that run the native model file (plain XGBoost / LightGBM, Treelite, Java, SQL)
  and apply the map themselves; :mod:`boostfocal.serving_reference` is a plain-numpy reference
  implementation of it (no boostfocal import).

Native model files written by boostfocal declare their link, so plain XGBoost and LightGBM return
the **focal probability** :math:`p = \sigma(z)` (or softmax); the posterior is

.. math::

    \eta(p) = \frac{a_0\,|\phi_0'(1 - p)|}{a_0\,|\phi_0'(1 - p)| + a_1\,|\phi_1'(p)|}, \qquad
    -\phi'(x) = (1 - x)^\gamma \left(\frac{1}{x} - \gamma\,\frac{\log x}{1 - x} + \epsilon(\gamma + 1)\right)

(binary and each label of a multi-label model; softmax:
:math:`\eta_c \propto 1 / (a_c |\phi_c'(p_c)|)`), see :func:`boostfocal.focal_to_posterior`.

Needs the ``onnx`` extra (``pip install boostfocal[onnx]``: onnx, onnxmltools, onnxruntime) for
:func:`to_onnx`; :func:`posterior_map` needs only the model's library.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from . import __version__
from ._loss import FocalLoss
from ._serving._source import Served, served

__all__ = ["to_onnx", "posterior_map", "OUTPUT_NAMES", "INPUT_NAME"]

#: The ONNX input: float64 features, shape (n_samples, n_features), in the model's feature order.
INPUT_NAME = "input"
#: The ONNX outputs: ``predict``'s labels and ``predict_proba``'s (or the posterior's) probabilities.
OUTPUT_NAMES = ("label", "probabilities")
#: Format of :func:`posterior_map`'s JSON (a reader refuses a larger one).
POSTERIOR_MAP_FORMAT = 1

_INPUT_TEXT = {
    "sigmoid": "the native model's probability of class 1, shape (n_samples,)",
    "softmax": "the native model's class probabilities, shape (n_samples, K), rows summing to 1",
    "multilabel": "the native model's per-label probabilities, shape (n_samples, K)",
}
_FORMULA = (
    "-phi'(x) = (1-x)^g * (1/x - g*log(x)/(1-x) + poly_epsilon*(g+1)); "
    "sigmoid / multilabel: eta = a0|phi_0'(1-p)| / (a0|phi_0'(1-p)| + a1|phi_1'(p)|), with negative_shift m the "
    "class-0 term at p-m and p <= m -> 0; softmax: eta_c = (1/(a_c|phi_c'(p_c)|)) / sum_k (1/(a_k|phi_k'(p_k)|)); "
    "label_smoothing e: eta <- clip((eta - e/K) / (1 - e), 0, 1) (K = 2 for sigmoid), softmax rows renormalised"
)


def _spec(loss: FocalLoss, n_outputs: int) -> dict[str, Any]:
    assert loss.link is not None
    link = loss.link.name
    k = 2 if link == "sigmoid" else n_outputs
    gamma = np.broadcast_to(np.asarray(loss.class_gamma(), dtype=np.float64), (k if link == "softmax" else 2,))
    cw = loss.class_weights(None if link == "sigmoid" else n_outputs)
    if cw is None:
        cw = np.ones((n_outputs, 2)) if link == "multilabel" else np.ones(k)
    probe = np.full(n_outputs, 0.5) if link == "sigmoid" else np.full((1, n_outputs), 1.0 / n_outputs)
    try:
        loss.posterior(probe[:1] if link == "sigmoid" else probe)
    except ValueError as exc:
        raise ValueError(f"the posterior map is not defined for this model's loss: {exc}") from None
    options = loss.options
    return {
        "format": POSTERIOR_MAP_FORMAT,
        "link": link,
        "n_outputs": n_outputs,
        "gamma": gamma.tolist(),
        "class_weights": np.asarray(cw, dtype=np.float64).tolist(),
        "label_smoothing": options["label_smoothing"],
        "negative_shift": options["negative_shift"],
        "poly_epsilon": options["poly_epsilon"],
        "input": _INPUT_TEXT[link],
        "output": "the posterior estimate, shape of the input (softmax rows summing to 1)",
        "formula": _FORMULA,
    }


def posterior_map(model: Any, path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    r"""The parameters of a focal model's posterior map (``posterior_map.json``).

    Parameters
    ----------
    model : FocalXGBClassifier, FocalLGBMClassifier, xgboost.Booster, lightgbm.Booster, FocalLoss or path
        A fitted focal model (its loss record), a model file, or a loss with its link and
        ``num_class`` fixed.
    path : path-like, optional
        Where to write the JSON too.

    Returns
    -------
    dict
        ``format``, ``link``, ``n_outputs``, ``gamma`` (``[g_0, g_1]`` for sigmoid / multi-label, one
        per class for softmax), ``class_weights`` (``[a_0, a_1]``, one pair per label, or one per
        class), ``label_smoothing``, ``negative_shift``, ``poly_epsilon``, and what the ``input`` and
        ``output`` are. :func:`boostfocal.serving_reference.posterior` applies it.

    Raises
    ------
    ValueError
        Where the posterior is not defined (a class with weight 0), or for a model without a record.
    """
    if isinstance(model, FocalLoss):
        if model.link is None or (model.link.name != "sigmoid" and model.num_class is None):
            raise ValueError(f"the loss needs its link and num_class fixed, got {model!r}")
        spec = _spec(model, 1 if model.link.name == "sigmoid" else int(model.num_class or 0))
    else:
        source = served(model)
        spec = _spec(source.loss, source.n_outputs)
    if path is not None:
        text = json.dumps(spec, indent=2) + "\n"
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    return spec


def _check_onnx() -> None:
    try:
        import onnx  # noqa: F401
        import onnxmltools  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"boostfocal.to_onnx needs the 'onnx' extra: pip install 'boostfocal[onnx]' (missing: {exc.name})"
        ) from None


def _metadata(source: Served, returns: str, labels: str) -> dict[str, str]:
    return {
        "boostfocal.version": __version__,
        "boostfocal.record": json.dumps(source.record, sort_keys=True),
        "boostfocal.library": source.library,
        "boostfocal.input": json.dumps(
            {
                "name": INPUT_NAME,
                "dtype": "float64",
                "shape": ["n_samples", len(source.feature_names)],
                "features": source.feature_names,
            }  # fmt: skip
        ),
        "boostfocal.outputs": json.dumps({"label": labels, "probabilities": returns}),
    }


def to_onnx(
    model: Any,
    *,
    posterior: bool = False,
    path: str | os.PathLike[str] | None = None,
    loss: FocalLoss | None = None,
) -> Any:
    r"""A fitted focal model as an ONNX graph returning ``predict``'s labels and ``predict_proba``'s probabilities.

    Input ``"input"``: float64 features, shape (n_samples, n_features), in the model's feature
    order (names in the metadata). LightGBM splits compare in float64 as LightGBM does; XGBoost's
    input is cast to float32 first, as XGBoost does. Outputs:

    ``"label"``
        What ``predict`` returns: ``classes_[argmax]`` (an estimator; int64, string, float64 or
        bool like ``classes_``), the class index (int64, a softmax booster), ``p > 0.5`` (int64,
        a binary booster (n,) or any multi-label model (n, K)).
    ``"probabilities"``
        float64, what ``predict_proba`` returns: (n, 2) / (n, K) for an estimator (the posterior
        when it has ``correct_proba=True``), (n,) / (n, K) for a booster (the focal probability,
        as ``boostfocal.lightgbm.predict_proba``); with ``posterior=True`` what
        ``predict_posterior`` returns (same shape). Labels stay ``predict``'s.

    Parameters
    ----------
    model : FocalXGBClassifier, FocalLGBMClassifier, xgboost.Booster, lightgbm.Booster or path
        Fitted with a boostfocal objective (the loss record in the model tells the loss;
        boosters of ``xgb.train`` / ``lgb.train``: after ``finalize``).
    posterior : bool, default=False
        Append the closed-form posterior map (:func:`boostfocal.focal_to_posterior`) as ONNX nodes.
    path : path-like, optional
        Where to save the model too.
    loss : FocalLoss, optional
        Only for a model trained with a native objective (it carries no record): the focal loss
        that objective equals, so that the posterior map applies. Log loss is
        ``FocalLoss(gamma=0)`` (its posterior is its probability); class-weighted log loss is
        ``FocalLoss(gamma=0, alpha=class_weights)`` (the map undoes the weights:
        :math:`\eta_c \propto p_c / w_c`). What ``boostfocal fit`` uses for a baseline recommendation.

    Returns
    -------
    onnx.ModelProto
        Metadata: the loss record (``boostfocal.record``), the input's name, dtype and feature
        names (``boostfocal.input``), what each output means (``boostfocal.outputs``).

    Raises
    ------
    ImportError
        Without the ``onnx`` extra.
    ValueError
        For a model without a loss record or with a newer one, one the converter cannot convert
        (its reason), or ``posterior=True`` where the posterior is not defined.
    """
    if not isinstance(posterior, (bool, np.bool_)):
        raise TypeError(f"posterior must be True or False, got {posterior!r}")
    _check_onnx()
    from ._serving._export import build_model

    source = served(model, loss)
    spec = _spec(source.loss, source.n_outputs) if (posterior or source.correct_proba) else None
    onx, returns, labels = build_model(source, spec, bool(posterior))
    from onnx import helper

    helper.set_model_props(onx, _metadata(source, returns, labels))
    if path is not None:
        data = onx.SerializeToString()
        with open(path, "wb") as fh:
            fh.write(data)
    return onx
