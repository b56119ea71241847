r"""What differs between XGBoost and LightGBM, in one place (numpy only: no library is imported here).

A :class:`LibraryProfile` says, for one library,

* the word it uses for raw scores (in error messages);
* its native softmax hessian rule, which the focal objective follows so that
  ``gamma = 0`` reproduces the native multiclass model: the factor applied to the
  exact focal diagonal (``hess_scale``) and the curvature the default hessian floor
  uses (see :mod:`boostfocal._kernels`);
* where the focal record (:meth:`boostfocal.FocalLoss.to_dict` plus the fit's
  facts) is stored in a saved model.

Native softmax hessians
-----------------------
============================  ==============================  =====================
library                       native diagonal hessian         focal objective
============================  ==============================  =====================
XGBoost <= 3.2                ``max(2 p_k (1 - p_k) w, eps)``  ``2 x exact``, floor ``2 w a q^g p_k (1 - p_k)``
XGBoost > 3.2 (PR #12537)     ``|p_k - [k = y]| w``           ``exact``, floor ``w a q^g |p_k - [k = y]|``
LightGBM 4.x                  ``K/(K-1) p_k (1 - p_k) w``     ``K/(K-1) x exact``, floor likewise
============================  ==============================  =====================
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._loss import FocalLoss
from ._policy import Curvature, HessPolicy

__all__ = [
    "LibraryProfile",
    "LIGHTGBM",
    "xgboost_profile",
    "make_record",
    "RECORD_KEY",
    "read_lightgbm_record",
    "write_lightgbm_record",
    "shift_linear_leaf_constants",
    "NATIVE_OUTPUT_KEY",
    "FOCAL_PROBABILITY",
    "lightgbm_objective",
    "declare_lightgbm_objective",
]

#: Key (XGBoost booster attribute) / tag (LightGBM model text) of the focal record.
RECORD_KEY = "boostfocal"

#: Record key saying what the native model's own ``predict`` returns: :data:`FOCAL_PROBABILITY` when
#: the model file declares the link of its loss (a model without the key returns raw margins).
NATIVE_OUTPUT_KEY = "native_output"
#: The value of :data:`NATIVE_OUTPUT_KEY`: the focal probability (``predict_proba``), never a posterior.
FOCAL_PROBABILITY = "focal_probability"

# LightGBM: the record is the value of the ``data`` parameter line of the model text, tagged.
_LIGHTGBM_TAG = RECORD_KEY + ":"
_LIGHTGBM_DATA_LINE = re.compile(r"^\[data: (.*)\]$", re.MULTILINE)


@dataclass(frozen=True)
class LibraryProfile:
    """The per-library conventions the adapters and estimators read (one instance per library)."""

    name: str
    #: The library's word for raw scores, in error messages.
    scores: str
    #: ``"2p(1-p)"``, ``"|p-y|"`` or ``"K/(K-1)p(1-p)"``: the native softmax hessian.
    softmax_rule: str
    #: Where the focal record lives in a saved model.
    record_location: str
    #: The dtype the library stores gradients in: the objective writes that dtype (float64
    #: arithmetic, one rounding on store, the rounding the library would apply itself).
    gradient_dtype: str = "float32"

    def softmax_hess_scale(self, n_classes: int) -> float:
        """The factor applied to the exact focal hessian diagonal for ``n_classes`` classes."""
        if self.softmax_rule == "2p(1-p)":
            return 2.0
        if self.softmax_rule == "K/(K-1)p(1-p)":
            return n_classes / (n_classes - 1.0)
        return 1.0

    @property
    def softmax_curvature(self) -> Curvature:
        """The curvature of the default policy for softmax: cross-entropy's, or ``"abs_residual"``."""
        return "abs_residual" if self.softmax_rule == "|p-y|" else "cross_entropy"

    def hess_policy(self, policy: HessPolicy, link: str, n_classes: int | None) -> HessPolicy:
        """The hessian policy the objective applies for a link: softmax gets the library's factor and curvature."""
        if link != "softmax":
            return policy
        assert n_classes is not None
        return policy.scaled(self.softmax_hess_scale(n_classes)).for_softmax(self.softmax_curvature)


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def xgboost_profile(version: str) -> LibraryProfile:
    """The XGBoost profile for an installed version (the softmax rule changed after 3.2)."""
    rule = "|p-y|" if _version_tuple(version) >= (3, 3) else "2p(1-p)"
    location = f"booster attribute {RECORD_KEY!r} (JSON)"
    return LibraryProfile(name=f"xgboost {version}", scores="margins", softmax_rule=rule, record_location=location)


LIGHTGBM = LibraryProfile(
    name="lightgbm",
    scores="predictions",
    softmax_rule="K/(K-1)p(1-p)",
    record_location="the '[data: boostfocal:{...}]' parameter line of the model text",
)


def make_record(loss: FocalLoss, **facts: Any) -> dict[str, Any]:
    """The record saved with a model: ``loss.to_dict()`` plus the facts of the fit (JSON values)."""
    record = loss.to_dict()
    for key in facts:
        if key in record:
            raise ValueError(f"record fact {key!r} would overwrite a loss field")
    record.update(facts)
    return record


def read_lightgbm_record(text: str) -> dict[str, Any] | None:
    """The focal record of a LightGBM model text (its tagged ``[data: ...]`` line), or None."""
    for match in _LIGHTGBM_DATA_LINE.finditer(text):
        value = match.group(1)
        if value.startswith(_LIGHTGBM_TAG):
            return dict(json.loads(value[len(_LIGHTGBM_TAG) :]))
    return None


def write_lightgbm_record(text: str, record: dict[str, Any]) -> str:
    """The LightGBM model text with ``record`` as the value of its ``[data: ...]`` parameter line.

    ``data`` is the training-file path of LightGBM's command-line program, unused by the Python
    API, and the only free-text parameter LightGBM 4.7 writes into model files and keeps through
    ``Booster(model_file=...)`` and a second ``save_model``.
    """
    if not _LIGHTGBM_DATA_LINE.search(text):
        raise ValueError("the model string has no '[data: ...]' parameter line to record the focal settings in")
    payload = _LIGHTGBM_TAG + json.dumps(record, separators=(",", ":"), sort_keys=True)
    return _LIGHTGBM_DATA_LINE.sub(lambda _: f"[data: {payload}]", text, count=1)


def shift_linear_leaf_constants(text: str, margin: NDArray[np.float64]) -> str:
    """Add ``margin[k]`` to ``leaf_const`` of tree k (k < K) when it is a linear tree.

    ``set_leaf_output`` changes ``leaf_value`` only; linear trees (``linear_tree=True``)
    predict ``leaf_const + coeff . x`` and fall back to ``leaf_value`` for missing values,
    so both are shifted.
    """
    lines = text.split("\n")
    tree = -1
    growth: dict[int, int] = {}
    for i, line in enumerate(lines):
        if line.startswith("Tree="):
            tree = int(line[5:])
        elif line.startswith("end of trees"):
            break
        elif 0 <= tree < margin.shape[0] and line.startswith("leaf_const="):
            values = [float(v) + float(margin[tree]) for v in line[len("leaf_const=") :].split()]
            lines[i] = "leaf_const=" + " ".join(repr(v) for v in values)
            growth[tree] = len(lines[i]) - len(line)
    if growth:  # the header lists each tree's size in characters: keep it consistent
        for i, line in enumerate(lines):
            if line.startswith("tree_sizes="):
                sizes = [int(v) for v in line[len("tree_sizes=") :].split()]
                for t, d in growth.items():
                    sizes[t] += d
                lines[i] = "tree_sizes=" + " ".join(str(v) for v in sizes)
                break
    return "\n".join(lines)


_LIGHTGBM_HEADER_OBJECTIVE = re.compile(r"^objective=.*$", re.MULTILINE)
_LIGHTGBM_PARAM = "[{name}: {value}]"


def lightgbm_objective(link: str, n_outputs: int) -> tuple[str, dict[str, str]]:
    """The native LightGBM objective whose ``predict`` applies ``link`` to ``n_outputs`` scores per row.

    Returns the header line's value (``binary sigmoid:1``, ``multiclass num_class:K``,
    ``multiclassova num_class:K sigmoid:1``) and the parameters-section values it implies. Multi-label
    is ``multiclassova``: LightGBM applies one ``sigmoid(z)`` per class there (its ``sigmoid`` scale 1).
    """
    if link == "sigmoid":
        return "binary sigmoid:1", {"objective": "binary", "num_class": "1", "sigmoid": "1"}
    kind = {"softmax": "multiclass", "multilabel": "multiclassova"}[link]
    header = f"{kind} num_class:{n_outputs}" + (" sigmoid:1" if link == "multilabel" else "")
    return header, {"objective": kind, "num_class": str(n_outputs), "sigmoid": "1"}


def declare_lightgbm_objective(text: str, link: str, n_outputs: int) -> str:
    """The LightGBM model text with the native objective of ``link`` in its header and parameters section.

    Plain LightGBM's ``predict`` then returns the focal probability (``raw_score=True`` still the
    margins); what ``onnxmltools`` and Treelite read. A model of a callable objective has no header
    ``objective=`` line (it goes after ``max_feature_idx=``) and says ``[objective: custom]``.
    """
    header, params = lightgbm_objective(link, n_outputs)
    line = f"objective={header}"
    if _LIGHTGBM_HEADER_OBJECTIVE.search(text.split("\nTree=", 1)[0]):
        text = _LIGHTGBM_HEADER_OBJECTIVE.sub(lambda _: line, text, count=1)
    else:
        anchor = re.search(r"^max_feature_idx=.*$", text, re.MULTILINE)
        if anchor is None:
            raise ValueError("the model string has no 'max_feature_idx=' header line: not a LightGBM model")
        text = text[: anchor.end()] + "\n" + line + text[anchor.end() :]
    head, sep, parameters = text.partition("\nparameters:\n")
    if not sep:
        raise ValueError("the model string has no parameters section to declare the objective in")
    for name, value in params.items():
        pattern = re.compile(rf"^\[{name}: [^\]]*\]$", re.MULTILINE)
        entry = _LIGHTGBM_PARAM.format(name=name, value=value)
        if pattern.search(parameters):
            parameters = pattern.sub(entry, parameters, count=1)  # no backslash in entry
        else:
            parameters = entry + "\n" + parameters
    return head + sep + parameters
