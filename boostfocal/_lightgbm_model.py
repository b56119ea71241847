r"""LightGBM model texts: the focal record, the embedded starting margin and the declared link.

Public through :mod:`boostfocal.lightgbm` (:func:`focal_metadata`, :func:`embed_initial_margin`,
:func:`finalize`); the estimator calls :func:`embedded_model_text`. A model trained with a callable
objective says ``[objective: custom]`` and has no header ``objective=`` line, so plain LightGBM,
``onnxmltools`` and Treelite return raw margins or refuse it; what these functions write makes the
file say what it is: the loss record (``[data: boostfocal:{...}]``) and the native objective whose
``predict`` applies the loss's link.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import lightgbm as lgb
import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._adapter import check_margin_vector, check_record_or_loss, fixed_link, takes_loss_params
from ._loss import CURVATURE_FLOOR, FocalLoss, HessFloor
from ._loss_params import LossParams, Unpack, resolve_loss
from ._policy import HessPolicy
from ._profiles import (
    FOCAL_PROBABILITY,
    NATIVE_OUTPUT_KEY,
    declare_lightgbm_objective,
    make_record,
    read_lightgbm_record,
    shift_linear_leaf_constants,
    write_lightgbm_record,
)

__all__ = ["model_string", "focal_metadata", "embed_initial_margin", "embedded_model_text", "finalize"]


def model_string(model: lgb.Booster | str | Any) -> str:
    if isinstance(model, lgb.Booster):
        return model.model_to_string(num_iteration=-1)
    if isinstance(model, str) and (model.lstrip().startswith("tree\n") or "\nTree=" in model):
        return model
    if isinstance(model, (str, os.PathLike)):
        with open(model, encoding="utf-8") as fh:
            return fh.read()
    raise TypeError(f"model must be a lightgbm.Booster, a model string or a path, got {type(model).__name__}")


def focal_metadata(model: lgb.Booster | str | Any) -> dict[str, Any] | None:
    r"""Focal-loss settings recorded by :func:`embed_initial_margin`, or None.

    Parameters
    ----------
    model : lightgbm.Booster, str or path-like
        A booster, a model string (``model_to_string``) or the path of a model
        file written by ``save_model``.

    Returns
    -------
    dict or None
        The record: :meth:`boostfocal.FocalLoss.to_dict` (``{"loss": "focal",
        "link": ..., "gamma": ..., "alpha": ..., ...}``; ``FocalLoss.from_dict``
        rebuilds the loss) plus ``hess_floor``, ``initial_margin`` and any
        ``extra`` entries; None for a model without the record.

    Notes
    -----
    The record is a JSON object stored as the value of LightGBM's ``data`` parameter
    (``[data: boostfocal:{...}]``, see :func:`boostfocal._profiles.write_lightgbm_record`);
    LightGBM's own ``Booster.params`` shows it truncated at the ``:``.
    """
    return read_lightgbm_record(model_string(model))


@takes_loss_params
def embed_initial_margin(
    booster: lgb.Booster,
    margin: float | ArrayLike,
    *,
    hess_floor: HessFloor = CURVATURE_FLOOR,
    extra: Mapping[str, Any] | None = None,
    multilabel: bool | None = None,
    **loss_params: Unpack[LossParams],
) -> lgb.Booster:
    r"""Return a booster whose raw predictions include the starting margin, with focal settings recorded.

    The margin (the ``init_score`` the booster was trained from) is added to
    every leaf of the first iteration's trees (tree ``k`` of iteration 0 for
    class ``k``), so ``predict(raw_score=True)`` returns the full margin
    ``z0 + sum of trees``. The focal settings are written into the model string
    (see :func:`focal_metadata`), and so is the native objective of the loss's link
    (``binary sigmoid:1``, ``multiclass num_class:K``, multi-label
    ``multiclassova num_class:K sigmoid:1``): plain ``Booster.predict`` returns the focal
    probabilities, ``predict(raw_score=True)`` the margins. Both survive ``save_model`` /
    ``Booster(model_file=...)``, ``model_to_string`` / ``Booster(model_str=...)``
    and pickling.

    Parameters
    ----------
    booster : lightgbm.Booster
        Trained from a Dataset whose ``init_score`` was ``init_score(margin, n)``.
        Not modified: a new booster is returned (``best_iteration`` kept). A
        multi-label booster is recorded as such when ``loss`` has
        ``link="multilabel"`` (then :func:`predict_proba` returns per-label sigmoids).
    margin : float or array-like of shape (n_classes,)
        The starting margin (:func:`boostfocal.initial_margin`).
    %(loss_params)s
        The focal settings the booster was trained with (recorded, validated).
    %(hess_floor)s
        Recorded.
    extra : mapping, optional
        JSON-serialisable entries added to the record (e.g. class balance).
    multilabel : bool, optional
        True: a multi-label booster (one sigmoid per tree of a round), recorded with
        ``link="multilabel"`` so that :func:`predict_proba` reads it back. None: multi-label
        when ``loss`` has that link; with the ``gamma`` / ``alpha`` spelling a booster with
        several trees per round is otherwise recorded as softmax, so pass True.

    Returns
    -------
    lightgbm.Booster
        Loaded from the modified model string: it predicts and can seed further
        training (``init_model``), but it has no training Dataset attached.

    Raises
    ------
    ValueError
        If the booster has no trees, already holds an embedded margin, uses
        ``boosting="rf"`` (averaged trees), or the margin's length is not the
        number of trees per iteration.
    """
    if not isinstance(booster, lgb.Booster):
        raise TypeError(f"booster must be a lightgbm.Booster, got {type(booster).__name__}")
    m = check_margin_vector(margin)
    k = booster.num_model_per_iteration()
    if multilabel is not None and not isinstance(multilabel, (bool, np.bool_)):
        raise TypeError(f"multilabel must be None, True or False, got {multilabel!r}")
    focal = resolve_loss(**loss_params)
    if multilabel is False and focal.is_multilabel:
        raise ValueError("multilabel=False contradicts the loss's link 'multilabel'")
    if multilabel and not focal.is_multilabel and focal.link is not None:
        raise ValueError(f"multilabel=True needs a loss with link 'multilabel' or no link, got {focal.link.name!r}")
    if (multilabel or focal.is_multilabel) and k < 2:
        raise ValueError(f"a multi-label loss needs a booster with num_class >= 2 labels, got {k} tree per round")
    focal = fixed_link(focal, k, multilabel=bool(multilabel), scores="trees per iteration")
    focal.class_weights(None if k == 1 else k)  # an alpha of the wrong length fails here
    text = embedded_model_text(booster, m, focal, HessPolicy.parse(hess_floor, allow_none=False), extra or {})
    result = lgb.Booster(model_str=text)
    result.best_iteration = booster.best_iteration
    return result


def embedded_model_text(
    booster: lgb.Booster,
    margin: float | NDArray[np.float64],
    focal: FocalLoss,
    policy: HessPolicy,
    extra: Mapping[str, Any],
) -> str:
    """The model text of ``booster`` with ``margin`` in its first trees, the focal record and its link declared.

    Validated input. The header and parameters section declare the native objective of the loss's
    link (:func:`boostfocal._profiles.declare_lightgbm_objective`), so plain LightGBM's ``predict``
    returns the focal probability; the record says so (``"native_output": "focal_probability"``).
    """
    k = booster.num_model_per_iteration()
    m_arr = np.atleast_1d(np.asarray(margin, dtype=np.float64))
    if m_arr.shape[0] != k:
        raise ValueError(f"margin has {m_arr.shape[0]} values but the booster has {k} trees per iteration")
    if booster.num_trees() < k:
        raise ValueError("booster has no trees: train at least one round before embedding the margin")
    text = booster.model_to_string(num_iteration=-1)
    if focal_metadata(text) is not None:
        raise ValueError("booster already holds an embedded boostfocal margin; embedding twice would add it twice")
    if "\naverage_output\n" in text:
        raise ValueError("boosting='rf' averages its trees: a margin added to the first trees would be divided")
    out = lgb.Booster(model_str=text)
    for tree in range(k):
        n_leaves = out.dump_model(start_iteration=0, num_iteration=1)["tree_info"][tree]["num_leaves"]
        for leaf in range(n_leaves):
            out.set_leaf_output(tree, leaf, out.get_leaf_output(tree, leaf) + float(m_arr[tree]))
    text = shift_linear_leaf_constants(out.model_to_string(num_iteration=-1), m_arr)
    record = make_record(
        focal,
        hess_floor=policy.spelling,
        initial_margin=float(m_arr[0]) if np.ndim(margin) == 0 else m_arr.tolist(),
        initial_margin_embedded=True,
        **{NATIVE_OUTPUT_KEY: FOCAL_PROBABILITY, **dict(extra)},
    )
    assert focal.link is not None
    return declare_lightgbm_objective(write_lightgbm_record(text, record), focal.link.name, k)


@takes_loss_params
def finalize(
    booster: lgb.Booster,
    *,
    initial_margin: float | ArrayLike | None = None,
    hess_floor: HessFloor = CURVATURE_FLOOR,
    multilabel: bool | None = None,
    **loss_params: Unpack[LossParams],
) -> lgb.Booster:
    r"""The one call after ``lgb.train`` with a focal objective: a booster whose file says what it is.

    The returned booster carries the focal record (:func:`focal_metadata`), the starting margin in
    its first trees, and the native objective of its link in the header and parameters section:
    plain LightGBM's ``predict`` (and ``onnxmltools``, Treelite) returns the focal probability
    :math:`\sigma(z)` (binary, shape (n,)), :math:`\mathrm{softmax}(z)` ((n, K)) or one
    :math:`\sigma(z_k)` per label ((n, K), multi-label); ``predict(raw_score=True)`` the margins
    :math:`z`. Never a posterior: apply :func:`boostfocal.focal_to_posterior` (or the exported
    posterior map) for that.

    Parameters
    ----------
    booster : lightgbm.Booster
        Trained with :func:`boostfocal.lightgbm.focal_objective`, or already holding a record
        (:func:`embed_initial_margin`, an estimator's ``booster_``, a file of an older boostfocal):
        then give no loss and no margin; only the objective is declared.
    %(loss_params)s
        The loss the booster was trained with: required when it has no record.
    initial_margin : float or array-like of shape (n_classes,), optional
        The ``init_score`` margin it was trained from; None: 0 (no ``init_score``).
    %(hess_floor)s
        Recorded.
    multilabel : bool, optional
        As in :func:`embed_initial_margin`.

    Returns
    -------
    lightgbm.Booster
        A new booster (``best_iteration`` kept); ``booster`` is not modified.

    Raises
    ------
    ValueError
        If the booster has no record and no loss is given; if it has one and a loss or a margin is
        given too (the margin would be counted twice); as :func:`embed_initial_margin`.
    """
    if not isinstance(booster, lgb.Booster):
        raise TypeError(f"booster must be a lightgbm.Booster, got {type(booster).__name__}")
    text = booster.model_to_string(num_iteration=-1)
    record = read_lightgbm_record(text)
    check_record_or_loss(
        record is not None,
        loss_params,
        trained_without="finalize / embed_initial_margin",
        held="loss and margin",
        hint=", and its initial_margin if it was trained from an init_score",
        initial_margin=initial_margin,
    )
    if record is None:
        k = booster.num_model_per_iteration()
        margin = initial_margin if initial_margin is not None else (0.0 if k == 1 else np.zeros(k))
        return embed_initial_margin(booster, margin, hess_floor=hess_floor, multilabel=multilabel, **loss_params)
    focal = fixed_link(
        FocalLoss.from_dict(record), booster.num_model_per_iteration(), multilabel=record.get("link") == "multilabel"
    )
    assert focal.link is not None
    record[NATIVE_OUTPUT_KEY] = FOCAL_PROBABILITY
    text = declare_lightgbm_objective(
        write_lightgbm_record(text, record), focal.link.name, booster.num_model_per_iteration()
    )
    result = lgb.Booster(model_str=text)
    result.best_iteration = booster.best_iteration
    return result
