r"""The loss objects, one class per link, on the :class:`FocalLoss` base (:mod:`boostfocal._loss_base`).

Each class owns what depends on its link: parameter validation, class weights, the
kernels, the starting margin, the posterior and the record's class weights. Defining a
class registers it with the factory ``FocalLoss(link=...)``; every module of the package
imports the loss from here, so the registry is complete before any loss is built.
A new link is one class here (and its kernels); a new option of every link is a
parameter of the base.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _dispatch, _kernels, _solvers
from ._link import LINKS, link_for_margin
from ._loss_base import (
    CURVATURE_FLOOR,
    DEFAULT_HESS_FLOOR,
    AlphaLike,
    Checked,
    FloatArray,
    FocalLoss,
    GammaLike,
    HessFloor,
    MultilabelAlphaLike,
    _is_scalar,
)
from ._validation import (
    check_binary_alpha,
    check_binary_labels,
    check_class_gamma,
    check_multilabel_alpha,
    check_multilabel_labels,
    check_num_class,
    check_num_labels,
    check_probabilities,
    check_sample_weight,
    check_softmax_alpha,
    check_softmax_labels,
)

__all__ = [
    "AlphaLike",
    "CURVATURE_FLOOR",
    "DEFAULT_HESS_FLOOR",
    "FocalLoss",
    "GammaLike",
    "HessFloor",
    "MultilabelAlphaLike",
    "MultilabelFocalLoss",
    "OpenFocalLoss",
    "SigmoidFocalLoss",
    "SoftmaxFocalLoss",
]


def _per_class(weights: FloatArray, n_classes: int | None) -> FloatArray:
    """A per-class weight vector, checked against ``n_classes`` when that is known."""
    if n_classes is not None and weights.shape[0] != n_classes:
        raise ValueError(
            f"alpha must have one weight per class: length {n_classes} expected, got length {weights.shape[0]} "
            f"({weights.tolist()!r})"
        )
    return weights


def _class_vector(alpha: float | FloatArray | None, n_classes: int | None) -> FloatArray | None:
    """The K class weights of a stored ``alpha``: None, a vector (checked against K), or a scalar repeated K times."""
    if alpha is None:
        return None
    if isinstance(alpha, np.ndarray):
        return _per_class(alpha, n_classes)
    if n_classes is None:
        raise ValueError("a softmax loss with a scalar alpha needs the number of classes")
    return np.full(n_classes, alpha)


class SigmoidFocalLoss(FocalLoss, link="sigmoid", kernels=(_kernels.binary_loss, _dispatch.binary_grad_hess)):
    """Binary focal loss: margins (n_samples,), labels in {0, 1}, class weights ``[a_0, a_1]``."""

    __slots__ = ()

    @classmethod
    def _check_params(cls, gamma: object, alpha: object, num_class: object, options: dict[str, float]) -> Checked:
        k = check_num_class(num_class)
        if k is not None and k != 2:
            raise ValueError(f"num_class must be None or 2 for the sigmoid link, got {num_class!r}")
        if not _is_scalar(alpha):
            return None, check_softmax_alpha(alpha, 2), check_class_gamma(gamma, 2)
        a = check_binary_alpha(alpha)
        cw = None if a is None else np.array([1.0 - a, a])  # stored as the vector [1 - alpha, alpha]
        return None, cw, check_class_gamma(gamma, 2)

    @property
    def alpha(self) -> float | list[float] | list[list[float]] | None:
        """The weight of class 1 when the weights are ``[1 - alpha, alpha]``, else ``[a_0, a_1]``."""
        a = self._alpha
        if isinstance(a, np.ndarray) and a[0] + a[1] == 1.0:
            return float(a[1])  # the scalar form [1 - alpha, alpha]
        return super().alpha

    def class_weights(self, n_classes: int | None = None) -> FloatArray | None:
        """``[1 - alpha, alpha]`` or ``[a_0, a_1]`` (None: both classes weigh 1)."""
        a = self._alpha
        return _per_class(a, n_classes) if isinstance(a, np.ndarray) else None

    def for_margin(self, margin: NDArray, scores: str = "margins", label_ndim: int | None = None) -> FocalLoss:
        LINKS["sigmoid"].check_shape(margin)
        return self

    def check_labels(self, y_true: ArrayLike, n_classes: int | None = None) -> NDArray:
        return check_binary_labels(y_true)

    def initial_margin(
        self, y_true: ArrayLike, sample_weight: ArrayLike | None = None, *, num_class: int | None = None
    ) -> float | FloatArray:
        if num_class is not None:
            raise ValueError(f"num_class={check_num_class(num_class)} was given for a sigmoid (binary) loss")
        cw = self.class_weights()
        pos = check_binary_labels(y_true)
        w = check_sample_weight(sample_weight, pos.shape[0])
        w_arr = np.ones(pos.shape[0]) if w is None else w
        totals = np.array([np.sum(w_arr[~pos]), np.sum(w_arr[pos])], dtype=np.float64)
        return _solvers.binary_initial_margin(totals, self._gamma, cw, self._options)

    def _posterior(self, p: NDArray) -> FloatArray:
        prob = check_probabilities(p)
        cw = self.class_weights()
        if cw is not None and (not np.all(np.isfinite(cw)) or np.any(cw <= 0.0)):
            raise ValueError(
                "alpha must be in (0, 1) (exclusive: at 0 or 1 one class carries no loss and the posterior "
                f"cannot be recovered) for binary probabilities, got {float(cw[1])!r}"
            )
        return _solvers.binary_posterior(prob, self._gamma, cw, self._options)


class SoftmaxFocalLoss(FocalLoss, link="softmax", kernels=(_kernels.softmax_loss, _dispatch.softmax_grad_hess)):
    """Multiclass focal loss: margins (n_samples, K), labels in [0, K), one weight (and gamma) per class."""

    __slots__ = ()

    @classmethod
    def _check_params(cls, gamma: object, alpha: object, num_class: object, options: dict[str, float]) -> Checked:
        if options["negative_shift"]:
            raise ValueError(
                f"negative_shift is an option of the sigmoid link (binary and multi-label), got "
                f"negative_shift={options['negative_shift']!r} with link='softmax'"
            )
        k = check_num_class(num_class)
        return k, check_softmax_alpha(alpha, k), check_class_gamma(gamma, k)

    def class_weights(self, n_classes: int | None = None) -> FloatArray | None:
        """The K class weights (a scalar ``alpha`` repeated ``n_classes`` times; a vector checked against it)."""
        return _class_vector(self._alpha, n_classes)

    def for_margin(self, margin: NDArray, scores: str = "margins", label_ndim: int | None = None) -> FocalLoss:
        LINKS["softmax"].check_shape(margin)
        k = int(margin.shape[1])
        if self._num_class is None:
            return self.with_link("softmax", k)
        if self._num_class != k:
            raise ValueError(f"{scores} have {k} columns but the loss has num_class={self._num_class}")
        return self

    def check_labels(self, y_true: ArrayLike, n_classes: int | None = None) -> NDArray:
        k = n_classes if n_classes is not None else self._num_class
        if k is None:
            raise ValueError("softmax labels need the number of classes")
        return check_softmax_labels(y_true, k)

    def initial_margin(
        self, y_true: ArrayLike, sample_weight: ArrayLike | None = None, *, num_class: int | None = None
    ) -> float | FloatArray:
        k = check_num_class(num_class) if num_class is not None else self._num_class
        if k is None:
            raise ValueError("initial_margin of a softmax loss needs num_class")
        cwk = self.class_weights(k)
        y = check_softmax_labels(y_true, k)
        w = check_sample_weight(sample_weight, y.shape[0])
        totals = np.bincount(y, weights=w, minlength=k).astype(np.float64)
        return _solvers.softmax_initial_margin(totals, self._gamma, cwk, self._options)

    def _posterior(self, p: NDArray) -> FloatArray:
        prob = check_probabilities(p)
        cw = self.class_weights(self._num_class)
        if cw is not None and (not np.all(np.isfinite(cw)) or np.any(cw <= 0.0)):
            raise ValueError(
                "alpha must be finite and > 0 for every class (a class with weight 0 is never predicted "
                f"and its posterior cannot be recovered), got {cw.tolist()!r}"
            )
        return _solvers.softmax_posterior(prob, self._gamma, cw, self._options)


class MultilabelFocalLoss(
    FocalLoss, link="multilabel", kernels=(_dispatch.multilabel_loss, _dispatch.multilabel_grad_hess)
):
    """Multi-label focal loss: one sigmoid per column, margins and labels (n_samples, K).

    Every element is the binary loss of its own label (with every binary option); a row's
    loss is the sum over its labels. Class weights: ``[a_0, a_1]`` shared, or one row per label.
    """

    __slots__ = ()
    is_multilabel = True

    @classmethod
    def _check_params(cls, gamma: object, alpha: object, num_class: object, options: dict[str, float]) -> Checked:
        k = check_num_labels(num_class)
        # gamma: a [g_0, g_1] pair shared by every label
        return k, check_multilabel_alpha(alpha, k), check_class_gamma(gamma, 2)

    @property
    def alpha(self) -> float | list[float] | list[list[float]] | None:
        """The shared positive weight (a float), the per-label positive weights (a list) when every
        label's negatives weigh ``1 - a_1``, else the ``[[a_0, a_1], ...]`` rows."""
        a = self._alpha
        if not isinstance(a, np.ndarray):
            return None
        if a.ndim == 1:
            return float(a[1])
        if np.all(a[:, 0] == 1.0 - a[:, 1]):  # exactly the form [1 - a, a]: round trips to the bit
            return [float(v) for v in a[:, 1]]
        return [[float(v) for v in row] for row in a]

    def class_weights(self, n_classes: int | None = None) -> FloatArray | None:
        """The (K, 2) ``[a_0, a_1]`` per label (a shared weight without a known K: its (2,) pair)."""
        a = self._alpha
        if not isinstance(a, np.ndarray):
            return None
        k = n_classes if n_classes is not None else self._num_class
        if a.ndim == 1:  # one [1 - alpha, alpha] for every label
            return a.copy() if k is None else np.tile(a, (k, 1))
        if k is not None and a.shape[0] != k:
            raise ValueError(
                f"alpha must have one entry per label: {k} labels expected, got {a.shape[0]} ({self.alpha!r})"
            )
        return a

    def _record_class_weights(self) -> list[Any] | None:
        cw = self.class_weights()
        return None if cw is None else cw.tolist()

    def label_loss(self, label: int) -> FocalLoss:
        """The binary (sigmoid) loss of one label: its ``[a_0, a_1]`` and every shared option."""
        cw = self.class_weights()
        alpha = None if cw is None else (cw if cw.ndim == 1 else cw[label]).tolist()
        return FocalLoss(link="sigmoid", alpha=alpha, **self.binary_options())

    def for_margin(self, margin: NDArray, scores: str = "margins", label_ndim: int | None = None) -> FocalLoss:
        LINKS["multilabel"].check_shape(margin)
        k = int(margin.shape[1])
        if self._num_class is None:
            return FocalLoss(alpha=self.alpha, link="multilabel", num_class=k, **self.binary_options())
        if self._num_class != k:
            raise ValueError(f"{scores} have {k} columns but the loss has num_class={self._num_class} labels")
        return self

    def check_labels(self, y_true: ArrayLike, n_classes: int | None = None) -> NDArray:
        return check_multilabel_labels(y_true, n_classes if n_classes is not None else self._num_class)

    def initial_margin(
        self, y_true: ArrayLike, sample_weight: ArrayLike | None = None, *, num_class: int | None = None
    ) -> float | FloatArray:
        if num_class is not None and check_num_labels(num_class) != self._num_class and self._num_class is not None:
            raise ValueError(f"num_class={num_class!r} but the loss has num_class={self._num_class} labels")
        y = check_multilabel_labels(y_true, self._num_class)
        w = check_sample_weight(sample_weight, y.shape[0])
        concrete = self.for_margin(np.zeros((1, y.shape[1])))
        assert isinstance(concrete, MultilabelFocalLoss)
        out = np.empty(y.shape[1])
        for j in range(y.shape[1]):
            try:
                out[j] = concrete.label_loss(j).initial_margin(y[:, j], w)
            except ValueError as exc:
                raise ValueError(f"label {j}: {exc}") from None
        return out

    def _posterior(self, p: NDArray) -> FloatArray:
        assert isinstance(self, MultilabelFocalLoss)
        cols = [self.label_loss(j).posterior(p[:, j]) for j in range(p.shape[1])]  # each label's binary posterior
        return np.column_stack(cols) if cols else np.empty(p.shape)


class OpenFocalLoss(FocalLoss):
    """A focal loss whose link is chosen from the margins (``FocalLoss(link=None)``).

    What ``focal_objective(gamma=..., alpha=...)`` builds: one object for both kinds of
    booster. :meth:`for_margin` (at the adapter boundary, once per fit) gives the concrete loss.
    """

    __slots__ = ()

    @classmethod
    def _check_params(cls, gamma: object, alpha: object, num_class: object, options: dict[str, float]) -> Checked:
        k = check_num_class(num_class)
        # a sequence: per-class weights (checked again once K is known); a number: the binary weight of class 1
        a = check_binary_alpha(alpha) if _is_scalar(alpha) else check_softmax_alpha(alpha, k)
        return k, a, check_class_gamma(gamma, k)

    def class_weights(self, n_classes: int | None = None) -> FloatArray | None:
        """The class weights once K is known (a scalar ``alpha`` without K: the binary ``[1 - alpha, alpha]``)."""
        a = self._alpha
        if n_classes is None and a is not None and not isinstance(a, np.ndarray):
            return np.array([1.0 - a, a])
        return _class_vector(a, n_classes)

    def for_margin(self, margin: NDArray, scores: str = "margins", label_ndim: int | None = None) -> FocalLoss:
        link = link_for_margin(margin, scores, label_ndim)
        if link.name == "multilabel":
            return FocalLoss(
                alpha=self.alpha, link="multilabel", num_class=int(margin.shape[1]), **self.binary_options()
            )
        if link.name == "sigmoid":
            for name, value in (("alpha", self._alpha), ("gamma", self._gamma)):
                if isinstance(value, np.ndarray) and value.shape[0] != 2:
                    raise ValueError(
                        f"{name} has {value.shape[0]} per-class values but the {scores} are 1-D (binary focal "
                        f"loss: 2 classes); set num_class for softmax, got {name}={value.tolist()!r}"
                    )
            return self.with_link("sigmoid")
        if self.negative_shift:
            raise ValueError(
                f"negative_shift is an option of the sigmoid link, but the {scores} have shape {margin.shape} "
                f"(softmax); got negative_shift={self.negative_shift!r}"
            )
        return self.with_link("softmax", int(margin.shape[1]))

    def check_labels(self, y_true: ArrayLike, n_classes: int | None = None) -> NDArray:
        return check_binary_labels(y_true)

    def initial_margin(
        self, y_true: ArrayLike, sample_weight: ArrayLike | None = None, *, num_class: int | None = None
    ) -> float | FloatArray:
        k = check_num_class(num_class) if num_class is not None else self._num_class
        concrete = self.with_link("sigmoid") if k is None else self.with_link("softmax", k)
        return concrete.initial_margin(y_true, sample_weight)
