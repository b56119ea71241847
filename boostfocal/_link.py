r"""Links between raw margins and probabilities: the only place that computes them.

In the manner of scikit-learn's ``sklearn/_loss/link.py``: every link knows its
inverse (margin -> probability), its log-inverse, the *signed margin* ``u`` of the
true class (``p_t = expit(u)``, the quantity every focal kernel works on) and the
shape its margins must have. Nobody else writes ``1 / (1 + exp(-z))`` or a
softmax, and the one decision "is this binary or softmax?" made from the shape of
a margin array is :func:`link_for_margin`.

Links
-----
``sigmoid`` (binary, margins of shape (n_samples,)):

.. math::

    p = \sigma(z) = \frac{1}{1 + e^{-z}}, \qquad
    u = z \text{ if } y = 1 \text{ else } -z, \qquad p_t = \sigma(u)

``softmax`` (K >= 2 classes, margins of shape (n_samples, K)):

.. math::

    p_k = \frac{e^{z_k}}{\sum_j e^{z_j}}, \qquad
    u = z_y - \log\sum_{j \ne y} e^{z_j}, \qquad p_t = p_y = \sigma(u)

``multilabel`` (K >= 1 labels, margins of shape (n_samples, K), labels (n_samples, K)
in {0, 1}): one sigmoid per column, each element the binary link above,

.. math::

    p_{ik} = \sigma(z_{ik}), \qquad u_{ik} = z_{ik} \text{ if } y_{ik} = 1 \text{ else } -z_{ik}

The forms give ``log p_t = log_expit(u)`` and ``1 - p_t = expit(-u)`` without
cancellation for any finite margin.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "LINKS",
    "Link",
    "MultilabelLink",
    "SigmoidLink",
    "SoftmaxLink",
    "expit",
    "get_link",
    "link_for_margin",
    "log_expit",
]

FloatArray = NDArray[np.float64]


# ----------------------------------------------------------------------------- scalar functions
def expit(z: ArrayLike) -> FloatArray:
    r"""Stable logistic function :math:`\sigma(z) = 1 / (1 + e^{-z})`, float64, for any real z (+-inf too)."""
    x = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(x))  # in [0, 1]: never overflows
    return np.asarray(np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e)), dtype=np.float64)


def log_expit(z: ArrayLike) -> FloatArray:
    r""":math:`\log \sigma(z) = \min(z, 0) - \log(1 + e^{-|z|})`, float64, exact in both tails."""
    x = np.asarray(z, dtype=np.float64)
    return np.asarray(np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x))), dtype=np.float64)


def _softmax_rows(z: NDArray[np.floating]) -> FloatArray:
    e = np.array(z, dtype=np.float64, copy=True)
    e -= e.max(axis=1, keepdims=True)  # max shift: exp never overflows
    np.exp(e, out=e)
    e /= e.sum(axis=1, keepdims=True)
    return e


def _log_softmax_rows(z: NDArray[np.floating]) -> FloatArray:
    s = np.array(z, dtype=np.float64, copy=True)
    s -= s.max(axis=1, keepdims=True)
    s -= np.log(np.exp(s).sum(axis=1, keepdims=True))
    return s


# ----------------------------------------------------------------------------- links
class Link:
    """A link: inverse, log-inverse, signed margin and the shape of its margins.

    Stateless singletons (:data:`LINKS`); subclasses set :attr:`name` and
    :attr:`margin_ndim`.
    """

    name: ClassVar[str] = ""
    #: Dimensions of a margin array: 1 (one margin per row) or 2 (one per row and column).
    margin_ndim: ClassVar[int] = 1

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __reduce__(self) -> tuple[object, tuple[str]]:  # singletons survive pickling as themselves
        return get_link, (self.name,)

    def inverse(self, margin: ArrayLike) -> FloatArray:  # pragma: no cover - abstract
        """Probabilities from raw margins."""
        raise NotImplementedError

    def log_inverse(self, margin: ArrayLike) -> FloatArray:  # pragma: no cover - abstract
        """Log-probabilities from raw margins."""
        raise NotImplementedError

    def check_margin(self, margin: ArrayLike, n_samples: int | None = None) -> NDArray[np.floating]:
        """The margin as a float32 / float64 array of this link's shape, finite (never a view to write into).

        float32 is kept (kernels upcast); other numeric types become float64.
        """
        z = np.asarray(margin)
        if z.dtype == object or not (np.issubdtype(z.dtype, np.number) or np.issubdtype(z.dtype, np.bool_)):
            raise TypeError(f"margin must be numeric, got an array of dtype {z.dtype}")
        if np.iscomplexobj(z):
            raise TypeError(f"margin must be real, got an array of dtype {z.dtype}")
        if z.dtype not in (np.float32, np.float64):
            z = z.astype(np.float64)
        self.check_shape(z)
        if n_samples is not None and z.shape[0] != n_samples:
            raise ValueError(f"margin has {z.shape[0]} rows but y_true has {n_samples} samples")
        if not np.all(np.isfinite(z)):
            flat = z.ravel()
            raise ValueError(f"margin must be finite, got {flat[np.flatnonzero(~np.isfinite(flat))[0]]!r}")
        return z

    def check_shape(self, z: NDArray) -> None:  # pragma: no cover - abstract
        """Raise ValueError unless ``z`` has the shape of this link's margins."""
        raise NotImplementedError


class SigmoidLink(Link):
    r"""Binary link: :math:`p = \sigma(z)`, margins of shape (n_samples,)."""

    name = "sigmoid"
    margin_ndim = 1

    def inverse(self, margin: ArrayLike) -> FloatArray:
        r""":math:`\sigma(z)`, the probability of class 1."""
        return expit(margin)

    def log_inverse(self, margin: ArrayLike) -> FloatArray:
        r""":math:`\log \sigma(z)`."""
        return log_expit(margin)

    @staticmethod
    def logit(p: ArrayLike) -> FloatArray:
        r"""The link itself, :math:`\log(p / (1 - p))` (``+-inf`` at 0 and 1)."""
        x = np.asarray(p, dtype=np.float64)
        with np.errstate(divide="ignore"):
            return np.asarray(np.log(x) - np.log1p(-x), dtype=np.float64)

    @staticmethod
    def signed_margin(pos: NDArray[np.bool_], z: NDArray[np.floating]) -> FloatArray:
        """``u = z`` where the label is 1, ``-z`` where it is 0 (float64): ``p_t = expit(u)``."""
        u = np.negative(z, dtype=np.float64)
        np.copyto(u, z, where=pos)
        return u

    def check_shape(self, z: NDArray) -> None:
        if z.ndim != 1:
            raise ValueError(f"margin must have shape (n_samples,) for binary focal loss, got {z.shape}")


class SoftmaxLink(Link):
    r"""Multiclass link: :math:`p = \mathrm{softmax}(z)`, margins of shape (n_samples, K), K >= 2."""

    name = "softmax"
    margin_ndim = 2

    def inverse(self, margin: ArrayLike) -> FloatArray:
        """Row-wise softmax with the max shift: rows sum to 1, no overflow."""
        return _softmax_rows(np.asarray(margin, dtype=np.float64))

    def log_inverse(self, margin: ArrayLike) -> FloatArray:
        """Row-wise log-softmax (max-shifted log-sum-exp)."""
        return _log_softmax_rows(np.asarray(margin, dtype=np.float64))

    @staticmethod
    def signed_margin(y: NDArray[np.intp], z: NDArray[np.floating]) -> tuple[FloatArray, FloatArray]:
        """Return ``u = z_y - logsumexp_{j != y} z_j`` and ``r_k = p_k / (1 - p_t)`` (``r_y = 0``).

        ``r`` is the softmax of the margins of the *other* classes, computed with its
        own max shift, so it is exact even when ``1 - p_t`` underflows.
        """
        rows = np.arange(z.shape[0])
        r = np.array(z, dtype=np.float64, order="C", copy=True)
        z_y = r[rows, y].copy()
        r[rows, y] = -np.inf  # mask the true class
        m = r.max(axis=1)  # max over the other classes
        r -= m[:, None]
        np.exp(r, out=r)  # exp(z_k - m), 0 for k = y
        s = r.sum(axis=1)  # >= 1
        r /= s[:, None]  # r_k = p_k / (1 - p_t)
        u = z_y - (m + np.log(s))  # z_y - logsumexp_{j != y} z_j
        return u, r

    def check_shape(self, z: NDArray) -> None:
        if z.ndim != 2:
            raise ValueError(f"margin must have shape (n_samples, n_classes) for softmax focal loss, got {z.shape}")
        if z.shape[1] < 2:
            raise ValueError(f"margin must have at least 2 columns (classes) for softmax focal loss, got {z.shape}")


class MultilabelLink(SigmoidLink):
    r"""Multi-label link: one sigmoid per column, :math:`p_{ik} = \sigma(z_{ik})`, margins (n_samples, K), K >= 1.

    Every element is the binary (``sigmoid``) link, whose elementwise maps it inherits
    (``inverse``: the probability of each label); labels are an (n_samples, K) indicator in {0, 1}.
    """

    name = "multilabel"
    margin_ndim = 2

    def check_shape(self, z: NDArray) -> None:
        if z.ndim != 2:
            raise ValueError(f"margin must have shape (n_samples, n_labels) for multi-label focal loss, got {z.shape}")
        if z.shape[1] < 1:
            raise ValueError(f"margin must have at least 1 column (label) for multi-label focal loss, got {z.shape}")


#: The links by name.
LINKS: dict[str, Link] = {"sigmoid": SigmoidLink(), "softmax": SoftmaxLink(), "multilabel": MultilabelLink()}


def get_link(name: str) -> Link:
    """The link called ``name`` (one of :data:`LINKS`)."""
    link = LINKS.get(name) if isinstance(name, str) else None
    if link is None:
        raise ValueError(f"link must be one of {sorted(LINKS)}, got {name!r}")
    return link


def link_for_margin(margin: NDArray, scores: str = "margins", label_ndim: int | None = None) -> Link:
    """The link a margin array implies: 1-D is ``sigmoid``, 2-D with >= 2 columns is ``softmax``.

    With ``label_ndim=2`` (the labels are an (n_samples, K) indicator), 2-D margins
    are ``multilabel``. The one place where the package decides binary, softmax or
    multi-label from shapes (for objectives created without an explicit link, which
    serve every kind of booster).
    """
    if margin.ndim == 1:
        if label_ndim == 2:
            raise ValueError(
                f"got 2-D (multi-label) labels but 1-D {scores} of shape {margin.shape}; a multi-label booster "
                "has one column of scores per label"
            )
        return LINKS["sigmoid"]
    if margin.ndim == 2 and label_ndim == 2:
        return LINKS["multilabel"]
    if margin.ndim == 2 and margin.shape[1] >= 2:
        return LINKS["softmax"]
    raise ValueError(
        f"{scores} must have shape (n_samples,) for binary or (n_samples, n_classes) for softmax, got {margin.shape}"
    )
