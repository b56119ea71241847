r"""Framework-free part of the XGBoost and LightGBM adapters and estimators (numpy only).

* :func:`~boostfocal._loss_params.resolve_loss` (from :mod:`boostfocal._loss_params`, where the
  public loss parameters ``gamma``, ``alpha``, ``loss``, ``label_smoothing``, ``negative_shift``,
  ``poly_epsilon`` are declared once): the one door from them to a :class:`boostfocal.FocalLoss`;
* :func:`fill_doc` and :data:`DOC_ENTRIES`: the numpydoc entries of those parameters,
  written once for every factory and estimator (as LightGBM's ``sklearn.py`` shares
  its docstrings between its sklearn and Dask classes); :func:`takes_loss_params`: a
  factory's ``**loss_params`` spelled out in its signature, its docstring filled;
* :class:`PreparedLabels` and :func:`fixed_link`: the only places that call the
  loss's per-round methods (``for_margin``, ``with_link``, ``prepare``,
  ``grad_hess_prepared``, ``mean_prepared``); the fitted
  :class:`~boostfocal._policy.HessPolicy` of a dataset goes to the kernels as it is;
* :class:`FocalBase` / :class:`ObjectiveMixin`: pickling, the label cache and the fused
  kernel call shared by both adapters' objectives and metrics.

What differs between the libraries (call conventions aside) is in their
:class:`~boostfocal._profiles.LibraryProfile`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._docs import OPTION_ENTRIES, Documented, doc_filler
from ._fast import check_n_jobs
from ._loss import CURVATURE_FLOOR, FocalLoss, HessFloor
from ._loss_params import LOSS_PARAMS, LossParams, Unpack, given_loss_params, resolve_loss, spell_loss_params
from ._policy import HessPolicy
from ._profiles import LibraryProfile

# Validated label sets kept per objective / metric object (train + a few eval sets).
CACHE_SIZE = 4

# ---------------------------------------------------------------------------------------------- docs
#: numpydoc entries shared by the factories and estimators, each indented for a module-level
#: function or class docstring; :func:`fill_doc` puts them in place of ``%(name)s``.
DOC_ENTRIES: dict[str, str] = {
    **OPTION_ENTRIES,
    "gamma": """gamma : float or sequence of float, default=2.0
        Focusing parameter, finite and >= 0; 0 gives (alpha-weighted) cross-entropy.
        A sequence gives one per class (binary ``[g_0, g_1]``, softmax one per
        class), indexed by the sample's true class.""",
    "alpha": """alpha : float, sequence of float or None, default=None
        Binary: weight of the positive class in [0, 1] (negatives get ``1 - alpha``)
        or the class weights ``[a_0, a_1]``. Softmax: one weight >= 0 per class
        (length ``num_class``, checked on the first call) or one number for every
        class. None: no class weighting.""",
    "loss": """loss : FocalLoss, optional
        The loss to train with, instead of ``gamma`` / ``alpha`` / ``label_smoothing`` /
        ``negative_shift`` / ``poly_epsilon``: giving ``loss`` together with any of them is an error. A
        loss with ``link=None`` serves binary and softmax boosters.""",
    "hess_floor": """hess_floor : "curvature" or float, default="curvature"
        The hessian policy (:mod:`boostfocal._policy`): ``"curvature"`` raises the
        exact hessian ``h`` to the focal-weighted cross-entropy curvature,
        ``max(h, w a_t (1 - p_t)^gamma c_CE)`` with ``c_CE = p (1 - p)`` (so
        ``gamma = 0`` is exactly the native model); a number f >= 0 is the
        absolute floor ``max(h, f w)`` of boostfocal 0.1.""",
    "n_jobs": """n_jobs : int or None, default=None
        Threads of the numba backend (see :func:`boostfocal.set_backend`):
        None uses numba's setting (``NUMBA_NUM_THREADS``, all cores by
        default); a positive number caps it -- pass the booster's
        ``nthread`` / ``num_threads``; -1 means all, -2 all but one. The
        numpy backend ignores it.""",
    "focal_formula": r""".. math::

        FL(z, y) = -\alpha_t\,(1 - p_t)^\gamma\,\log p_t

    with ``p = expit(z)``, ``p_t = p`` if ``y = 1`` else ``1 - p`` and ``alpha_t = alpha``
    if ``y = 1`` else ``1 - alpha`` (1 when ``alpha`` is None), binary (1-D scores);
    ``p_t = softmax(z)_y``, ``alpha_t = alpha[y]`` for softmax (scores of shape
    [n_samples, n_classes], labels in [0, K)) (Lin et al., 2017).""",
    "gradient_formula": r""".. math::

        \frac{\partial FL}{\partial u} = \alpha_t (1 - p_t)^\gamma
            \left(\gamma\,p_t \log p_t - (1 - p_t)\right)

    with ``u`` the signed margin (``u = z`` for y = 1, ``-z`` for y = 0; see
    :mod:`boostfocal._core`).""",
    "metric_formula": r""".. math::

        \mathrm{metric} = \frac{\sum_i w_i\,FL(z_i, y_i)}{\sum_i w_i}""",
    "label_cache": """Labels and weights are validated on the first call for a dataset and again
    only when their content changes: each round costs an O(n) equality test
    against a cached copy (the last four datasets are kept; the cache is not
    pickled).""",
}

#: The loss parameters as one block (what :func:`focal_objective` and the metrics list).
DOC_ENTRIES["loss_params"] = "\n    ".join(DOC_ENTRIES[name] for name in (*LOSS_PARAMS, "loss"))
#: The Notes section of both adapters' ``focal_metric``.
DOC_ENTRIES["metric_notes"] = f"""Notes
    -----
    Use the training objective's loss parameters to monitor it.

    {DOC_ENTRIES["metric_formula"]}"""


def fill_doc(**extra: str) -> Callable[[Documented], Documented]:
    """Decorator: replace ``%(name)s`` in the docstring by :data:`DOC_ENTRIES` (and ``extra``) entries."""
    return doc_filler(DOC_ENTRIES, **extra)


def takes_loss_params(func: Documented) -> Documented:
    """Decorator of a public factory taking ``**loss_params``: the loss parameters spelled out, docstring filled.

    See :func:`boostfocal._loss_params.spell_loss_params` (signature) and :func:`fill_doc` (docstring).
    """
    return fill_doc()(spell_loss_params(func))


def focal_params_doc(*, model: str, gamma_note: str = "", alpha_note: str = "", proba_note: str = "") -> str:
    """The numpydoc entries of the estimators' focal parameters (the loss entries shared with the adapters).

    ``model`` names the native model that ``gamma=0`` reproduces; the notes are appended
    to their entries.
    """
    return f"""gamma : float, sequence or dict, default=2.0
        Focusing parameter, finite and >= 0; or one per class, as a sequence in
        ``classes_`` order or a dict ``{{label: gamma}}`` (binary: asymmetric
        focusing). Multi-label ``y``: a number or ``[g_0, g_1]`` shared by every
        label. ``gamma=0`` with ``alpha=None`` is {model}.{gamma_note}
    alpha : float, str, sequence, dict or None, default=None
        Class weighting. Binary: the weight of the positive class ``classes_[1]``
        in [0, 1] (the negative class gets ``1 - alpha``), or ``[a_0, a_1]`` (a
        sequence or a dict). Multiclass: one weight >= 0 per class, as a sequence
        in ``classes_`` order or a dict ``{{label: weight}}`` covering every class,
        or one number for all classes. ``"balanced"``: ``n / (K n_k)`` from the
        training labels (scikit-learn's rule); ``"effective_number"``:
        :func:`boostfocal.class_balanced_alpha` with ``balance_beta`` (Cui et al.,
        2019); both use the sample-weighted class counts and are stored as the
        fitted vector ``alpha_``. Multi-label ``y`` (an (n, K) 0/1 indicator): every
        label's positive weight in [0, 1], one per label (a length-K sequence), a
        (K, 2) array of ``[negative, positive]`` weights, or the two rules applied
        to each label. None: no class weighting.{alpha_note}
    balance_beta : float in [0, 1), default=0.999
        The beta of ``alpha="effective_number"`` (0: all ones; towards 1: inverse
        class frequency); unused otherwise.
    {DOC_ENTRIES["label_smoothing"]}
    {DOC_ENTRIES["negative_shift"]}
    {DOC_ENTRIES["poly_epsilon"]}
    {DOC_ENTRIES["hess_floor"]}
    correct_proba : bool, default=False
        True: ``predict_proba`` returns posterior estimates instead of the
        focal probabilities, and ``predict`` (always the argmax of
        ``predict_proba``) follows them. See :meth:`predict_posterior`.{proba_note}"""


def fitted_doc(*, name: str, kwargs: str, margin_note: str, weights: str, best_iteration: str) -> str:
    """The Attributes and Examples sections of an estimator's docstring (shared by both estimators)."""
    return f"""Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in fit, sorted; ``predict_proba`` columns follow it.
    n_classes_ : int
    gamma_, alpha_, hess_floor_
        The focal settings used (``alpha_`` per class in ``classes_`` order for
        multiclass); ``loss_`` is the fitted :class:`boostfocal.FocalLoss`.
    initial_margin_ : float or ndarray of shape (n_classes,)
        Starting margin of the boosting (:func:`boostfocal.initial_margin`){margin_note}.
    class_balance_ : ndarray of shape (n_classes,)
        Share of the ({weights}) training data in each class.
    {best_iteration} : int
        With early stopping, the round with the lowest validation focal loss.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> clf = {name}(gamma=2.0, alpha=0.25, n_estimators=20{kwargs}).fit(X, y)
    >>> clf.predict_proba(X).shape
    (300, 2)
    >>> calibrated = clf.set_params(correct_proba=True).predict_proba(X)  # posterior estimates
    >>> bool(abs(calibrated.sum(axis=1) - 1).max() < 1e-12)
    True"""


# ---------------------------------------------------------------------------------------------- loss
def fixed_link(loss: FocalLoss, n_outputs: int, *, multilabel: bool = False, scores: str = "margins") -> FocalLoss:
    """The loss with its link fixed for a booster of ``n_outputs`` scores per row.

    Multi-label (``multilabel`` or a multi-label loss): the multi-label loss of ``n_outputs``
    labels; otherwise sigmoid for one output, softmax with ``num_class = n_outputs`` else.
    """
    if multilabel or loss.is_multilabel:
        return loss.for_margin(np.zeros((1, n_outputs)), scores, label_ndim=2)
    name, k = ("sigmoid", None) if n_outputs == 1 else ("softmax", n_outputs)
    if loss.link is not None and loss.link.name == name and loss.num_class == k:
        return loss
    return loss.with_link(name, k)


def check_record_or_loss(
    has_record: bool, loss_params: LossParams, *, trained_without: str, held: str, hint: str = "", **more: Any
) -> None:
    """``finalize``'s rule: the loss of a booster comes from its record or from the caller, never both.

    ``trained_without`` names what writes the record, ``held`` what the record holds, ``hint`` ends the
    message for a booster without one; ``more`` are other arguments that a booster with a record refuses.
    """
    given = given_loss_params(loss_params)
    if not has_record and not given:
        raise ValueError(
            f"this booster has no boostfocal record (trained without {trained_without}): pass the loss it was "
            f"trained with, finalize(booster, loss=FocalLoss(...)) or gamma=/alpha={hint}"
        )
    given += [name for name, value in more.items() if value is not None]
    if has_record and given:
        raise ValueError(
            f"this booster already holds a boostfocal record ({held}); give no {', '.join(given)}: "
            "finalize(booster) alone declares its objective"
        )


class PreparedLabels:
    """Validated labels and weights of one dataset, with the concrete loss and hessian policy for them.

    Built once per dataset (the loss's own ``prepare``); each round then
    checks that the library hands the same labels and weights (:meth:`matches`) and calls
    the kernels (:meth:`grad_hess`, :meth:`mean`). The raw arrays a library hands over
    every round (XGBoost: fresh copies; LightGBM: the same arrays) are first checked for
    identity with those of the validated call (O(1)), then compared with the validated labels
    (0 / 1 or the class codes, ``np.array_equal``: one pass, no copy of the library's labels
    kept) and a private copy of the weights; only when they differ are labels and weights
    validated again. An array changed in place, behind the library's back, is not noticed on the
    identity path.
    """

    __slots__ = ("y_src", "y_shape", "w_src", "w_raw", "key", "loss", "y", "w", "cw", "policy")

    def __init__(
        self,
        y_src: NDArray,
        w_src: NDArray | None,
        key: object,
        labels: NDArray,
        loss: FocalLoss,
        z: NDArray,
        scores: str,
    ) -> None:
        """Validate ``labels`` (the library's ``y_src``, reshaped if needed) and ``w_src`` for the scores ``z``."""
        concrete = loss.for_margin(z, scores, label_ndim=labels.ndim)  # the link decided from the scores, if open
        self.loss, self.y, _, self.w, self.cw = concrete.prepare(labels, z, w_src)
        # the caller's label array, for the identity check: a weak reference, so that a library
        # that hands a fresh copy every round (XGBoost) does not keep the first one alive
        self.y_src = weakref.ref(y_src)
        self.y_shape = y_src.shape
        self.w_src = None if w_src is None else weakref.ref(w_src)
        self.w_raw = None if w_src is None else np.array(w_src, copy=True)
        self.key = key
        self.policy: HessPolicy | None = None

    def matches(self, y_raw: NDArray, w_raw: NDArray | None, key: object) -> bool:
        """True when ``(y_raw, w_raw)`` hold the labels and weights validated here."""
        if key != self.key or y_raw.shape != self.y_shape:
            return False
        same_w = w_raw is None if self.w_src is None else w_raw is self.w_src()
        if same_w and y_raw is self.y_src():  # the same arrays as last time: O(1)
            return True
        if (w_raw is None) != (self.w_raw is None):
            return False
        # against the validated labels themselves (0 / 1 or class codes: equal as numbers exactly when
        # the new labels are valid and the same), so no copy of the library's label array is kept
        if not np.array_equal(y_raw.reshape(self.y.shape), self.y):
            return False
        return w_raw is None or (self.w_raw is not None and np.array_equal(w_raw, self.w_raw))

    def with_policy(self, policy: HessPolicy, profile: LibraryProfile) -> PreparedLabels:
        """Fix the hessian policy of this dataset: ``policy`` with the library's softmax rule."""
        link = self.loss.link
        assert link is not None
        self.policy = profile.hess_policy(policy, link.name, self.loss.num_class)
        return self

    def grad_hess(
        self, z: NDArray[np.floating], n_jobs: int | None, out_dtype: type
    ) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        """The fused kernel: gradient and hessian of ``w FL`` under the policy, in ``out_dtype``."""
        assert self.policy is not None, "an objective's labels get their hessian policy when prepared"
        return self.loss.grad_hess_prepared(
            self.y, z, self.w, self.cw, policy=self.policy, n_jobs=n_jobs, out_dtype=out_dtype
        )

    def mean(self, z: NDArray[np.floating]) -> float:
        """Weighted mean focal loss of the scores ``z``."""
        return self.loss.mean_prepared(self.y, z, self.w, self.cw)

    def totals(self, z: NDArray[np.floating]) -> NDArray[np.float64]:
        """``[sum_i w_i FL_i, sum_i w_i]`` of the scores ``z``: what a distributed metric adds up over workers."""
        weight = float(self.y.shape[0]) if self.w is None else float(self.w.sum())
        return np.array([float(self.loss.loss_prepared(self.y, z, self.w, self.cw).sum()), weight])


def posterior_columns_loss(loss: FocalLoss, n_columns: int) -> FocalLoss | None:
    """The loss whose ``posterior`` maps (n, K) focal probabilities to posterior columns; None: the identity.

    Multi-label and shifted (binary) losses map their own columns; otherwise the softmax
    form with the K class weights (at K = 2 the binary formula, without the cancellation of
    ``1 - eta``). None at ``gamma = 0`` with equal class weights and no smoothing.
    """
    if loss.is_multilabel or loss.negative_shift:
        return loss
    weights = loss.class_weights(n_columns)
    plain = loss.gamma == 0.0 and not loss.label_smoothing and not loss.poly_epsilon
    if plain and (weights is None or np.all(weights == weights[0])):
        return None
    return FocalLoss(
        gamma=loss.gamma,
        alpha=None if weights is None else weights.tolist(),
        link="softmax",
        num_class=n_columns,
        label_smoothing=loss.label_smoothing,
        poly_epsilon=loss.poly_epsilon,
    )


# ---------------------------------------------------------------------------------------------- margins
def check_margin_vector(margin: ArrayLike) -> float | NDArray[np.float64]:
    """A constant starting margin: a finite float (binary) or a 1-D array of K >= 2 margins."""
    m = np.asarray(margin, dtype=np.float64) if not isinstance(margin, (bool, np.bool_)) else None
    if m is None or m.ndim > 1 or (m.ndim == 1 and m.shape[0] < 2):
        raise ValueError(f"margin must be a float (binary) or a 1-D array of K >= 2 margins (softmax), got {margin!r}")
    if not np.all(np.isfinite(m)):
        raise ValueError(f"margin must be finite, got {margin!r}")
    return float(m) if m.ndim == 0 else m


def init_score(margin: float | ArrayLike, n_samples: int) -> NDArray[np.float64]:
    r"""Repeat a constant starting margin into a ``Dataset(init_score=...)`` array.

    Parameters
    ----------
    margin : float or array-like of shape (n_classes,)
        The starting margin, typically :func:`boostfocal.initial_margin` of the
        training labels (float for binary, (K,) for softmax).
    n_samples : int
        Rows of the Dataset (training or validation: give both the same margin).

    Returns
    -------
    ndarray of shape [n_samples] (binary) or [n_samples, n_classes] (softmax), float64
    """
    m = check_margin_vector(margin)
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    if isinstance(m, float):
        return np.full(int(n_samples), m)
    return np.tile(m, (int(n_samples), 1))


# ---------------------------------------------------------------------------------------------- objects
class FocalBase:
    """The loss, pickling and cached label validation shared by the adapters' objectives and metrics.

    Subclasses set :attr:`_profile` (their library's conventions) and
    :attr:`_squeeze_label_column` (accept labels of shape (n, 1)).
    """

    _profile: LibraryProfile
    _squeeze_label_column = False

    def __init__(self, **loss_params: Unpack[LossParams]) -> None:
        self.loss = resolve_loss(**loss_params)
        # a few entries: a metric alternates between the train and eval sets every round
        self._cache: tuple[PreparedLabels, ...] = ()

    @property
    def gamma(self) -> float | list[float]:
        """The loss's focusing parameter (a float, or one per class)."""
        return self.loss.gamma

    @property
    def alpha(self) -> float | NDArray[np.float64] | None:
        """The loss's ``alpha``: a float, a per-class array or None."""
        a = self.loss.alpha
        return np.asarray(a, dtype=np.float64) if isinstance(a, list) else a

    # the cache is derived data: never pickled (Dask workers, joblib)
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_cache"] = ()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    @staticmethod
    def _as_scores(predt: Any) -> NDArray[np.floating]:
        z = np.asarray(predt)
        return z if z.dtype in (np.float32, np.float64) else z.astype(np.float64)

    @staticmethod
    def _as_weights(w: Any) -> NDArray | None:
        """The library's weights, None when absent or empty."""
        if w is None:
            return None
        w_arr = np.asarray(w)
        return None if w_arr.size == 0 else w_arr

    def _new_entry(self, entry: PreparedLabels) -> PreparedLabels:
        return entry

    def _prepared(self, y_raw: NDArray, w_raw: NDArray | None, z: NDArray) -> PreparedLabels:
        """The validated labels and weights for the scores ``z`` (cached on content)."""
        key = (z.ndim, z.shape[1] if z.ndim == 2 else None, z.shape[0])
        for cache in self._cache:
            if cache.matches(y_raw, w_raw, key):
                return cache
        labels = y_raw
        if self._squeeze_label_column and labels.ndim == 2 and labels.shape[1] == 1 and z.ndim == 1:
            labels = labels[:, 0]
        entry = self._new_entry(PreparedLabels(y_raw, w_raw, key, labels, self.loss, z, self._profile.scores))
        self._cache = (entry, *self._cache[: CACHE_SIZE - 1])  # one atomic assignment
        return entry

    def _mean_loss(self, z: NDArray[np.floating], y_raw: NDArray, w_raw: NDArray | None) -> float:
        """Weighted mean focal loss (the metrics' value)."""
        return self._prepared(y_raw, w_raw, z).mean(z)


class Reducer(Protocol):
    """Elementwise sums over the workers of a distributed fit (:mod:`boostfocal.collective`)."""

    def allreduce(self, values: NDArray[np.float64]) -> NDArray[np.float64]: ...


class MetricMixin(FocalBase):
    """The metric part the adapters share: its name (checked by :meth:`_check_name`), repr and reduction.

    With a ``reducer`` (or, for XGBoost, inside a distributed job: :meth:`_reducer`) the value is
    the global weighted mean ``sum_r sum_i w_i FL_i / sum_r sum_i w_i`` over every worker ``r``.
    """

    @spell_loss_params
    def __init__(
        self, *, name: str = "focal_loss", reducer: Reducer | None = None, **loss_params: Unpack[LossParams]
    ) -> None:
        super().__init__(**loss_params)
        self._check_name(name)
        if reducer is not None and not callable(getattr(reducer, "allreduce", None)):
            raise TypeError(f"reducer must have an allreduce(values) method (boostfocal.collective), got {reducer!r}")
        self.name = name
        self.reducer = reducer

    def _reducer(self) -> Reducer | None:
        """The reducer of this call (None: the local mean)."""
        return self.reducer

    def _mean_loss(self, z: NDArray[np.floating], y_raw: NDArray, w_raw: NDArray | None) -> float:
        entry = self._prepared(y_raw, w_raw, z)
        reducer = self._reducer()
        if reducer is None:
            return entry.mean(z)
        total, weight = np.asarray(reducer.allreduce(entry.totals(z)), dtype=np.float64)
        return float(total / weight) if weight > 0 else 0.0

    @staticmethod
    def _check_name(name: object) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty string, got {name!r}")

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "name" not in state:  # pickled by boostfocal <= 0.2 (XGBoost's metric kept only ``__name__``)
            state = {**state, "name": state.get("__name__", "focal_loss")}
        super().__setstate__({"reducer": None, **state})

    def __repr__(self) -> str:
        reducer = "" if self.reducer is None else f", reducer={self.reducer!r}"
        return f"FocalMetric(loss={self.loss!r}, name={self.name!r}{reducer})"


class ObjectiveMixin(FocalBase):
    """The objective part the adapters share: hessian policy, ``n_jobs``, repr and the fused kernel call.

    ``hess_floor`` is parsed here unless it is already a :class:`~boostfocal._policy.HessPolicy`
    (what the estimators pass: parsed once, in their ``fit``). The adapter keeps its own
    ``__call__`` (its signature is what each library inspects).
    """

    @spell_loss_params
    def __init__(
        self,
        *,
        hess_floor: HessFloor | HessPolicy = CURVATURE_FLOOR,
        n_jobs: int | None = None,
        **loss_params: Unpack[LossParams],
    ) -> None:
        super().__init__(**loss_params)
        self.policy = (
            hess_floor if isinstance(hess_floor, HessPolicy) else HessPolicy.parse(hess_floor, allow_none=False)
        )
        self.n_jobs = check_n_jobs(n_jobs)
        self._out_dtype = np.dtype(self._profile.gradient_dtype).type  # once, not every round

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "policy" not in state:  # pickled by boostfocal <= 0.2: the policy's public spelling and its parts
            spelling = state.get("hess_floor", CURVATURE_FLOOR)
            state = {k: v for k, v in state.items() if k not in ("hess_floor", "_abs_floor", "_curvature")}
            state["policy"] = HessPolicy.parse(spelling, allow_none=False)
        super().__setstate__(state)

    @property
    def hess_floor(self) -> str | float | None:
        """The public spelling of the hessian policy (``"curvature"`` or the absolute floor)."""
        return self.policy.spelling

    def __repr__(self) -> str:
        jobs = "" if self.n_jobs is None else f", n_jobs={self.n_jobs!r}"
        return f"{type(self).__name__}(loss={self.loss!r}, hess_floor={self.hess_floor!r}{jobs})"

    def _new_entry(self, entry: PreparedLabels) -> PreparedLabels:
        return entry.with_policy(self.policy, self._profile)  # the library's softmax rule, once per dataset

    def _grad_hess(
        self, z: NDArray[np.floating], y_raw: NDArray, w_raw: NDArray | None
    ) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        """One fused kernel call: grad, then hess scaled by the library's rule and floored (the hessian policy).

        Written in the library's gradient dtype (float32 for both), without the library's
        conversion copy: the numba backend computes in float32 (within ``max(1e-5 |g|, 1e-7)``
        of the float64 result; ``tests/test_fast.py``), the numpy backend in float64 rounded once.
        """
        return self._prepared(y_raw, w_raw, z).grad_hess(z, self.n_jobs, self._out_dtype)
