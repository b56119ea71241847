"""The public entry point of the study: :func:`compare` (the protocol is in its docstring).

Layers, each importing only those below it: :mod:`._options` (the keywords, validated) and
:mod:`._methods` (one class per method, in a registry) -> :mod:`._plan` (options and data
checked together, nothing trained) -> :mod:`._run` (the folds) -> :mod:`._result` (the tables,
``results.json``, the recommendation) -> :mod:`._report` (the report files, written from what
the result exposes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import _run
from ._options import StudyOptions
from ._plan import plan_study
from ._result import CompareResult

__all__ = ["compare"]


def compare(
    X: Any,
    y: Any,
    *,
    library: str = "xgboost",
    cv: int | None = None,
    repeats: int | None = None,
    budget: int | None = None,
    random_state: int = 0,
    n_jobs: int = 1,
    metric: str = "average_precision",
    methods: Sequence[str] | None = None,
    quick: bool = False,
    progress: bool = True,
    sample_weight: Any = None,
    positive: Any = None,
    precision: float = 0.9,
    focal_gamma: float | tuple[float, float] = (0.25, 5.0),
    focal_alpha: Sequence[Any] = (None, (0.1, 0.9), "balanced"),
    n_estimators: int | None = None,
    early_stopping_rounds: int | None = None,
    max_rows: int | None = None,
    drop_missing_target: bool = False,
    confidence: float = 0.95,
    searcher: str = "random",
) -> CompareResult:
    r"""Compare focal loss with log loss and class-weighted log loss on your data, honestly.

    Every method gets the same folds, the same number of configurations (``budget``) and the
    same booster settings: configuration ``i`` of every method uses booster draw ``i`` (learning
    rate, depth / leaves, minimum child weight, subsampling; common random numbers), plus its
    own loss parameters (none for log loss, the class weight, gamma and alpha for focal). The
    verdict comes from repeated stratified cross-validation (``cv`` folds x ``repeats``):

    1. in each outer training fold a stratified inner validation split (20 %) holds out rows
       for early stopping (on each method's own loss) and for choosing each method's
       configuration by ``metric``; the outer test fold informs no choice;
    2. the chosen model (the one fitted on the inner training part; no refit) scores the outer
       test fold: average precision (binary; multiclass the macro one-vs-rest AP), ROC AUC,
       recall at ``precision``, and Brier score and log loss of posterior estimates (focal
       probabilities through ``predict_posterior`` / :func:`boostfocal.focal_to_posterior`,
       class-weighted ones with the class weights undone);
    3. per fold, the best focal method and the best baseline are the ones with the better
       inner-validation score (across libraries when ``library="both"``), and their outer
       difference is one paired value; the mean of the J = cv x repeats values gets the
       Nadeau--Bengio corrected resampled t interval

       .. math::

           \bar d \pm t_{J-1}\,\sqrt{\left(\frac{1}{J} + \frac{n_{test}}{n_{train}}\right) s_d^2}

       which widens the naive interval for the overlap of the training sets; the verdict
       follows the interval (not the point estimate). Each method's mean gets the same
       interval.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, n_features)
        Text columns become categorical, all-missing columns are dropped, date-times become
        seconds since 1970 (each said in ``notes``). Not modified.
    y : array-like of shape (n_samples,), or (n_samples, n_labels) for multi-label
        Class labels: binary or multiclass. A 2-D 0/1 (or bool) indicator with K >= 2
        columns (ndarray or DataFrame, whose column names are the label names) is a
        multi-label target (``task="multilabel"``): every label needs positive and negative
        rows, enough of each for ``cv``; the folds and inner splits come from label-wise
        iterative stratification (Sechidis et al., 2011); log loss is per-label binary log
        loss (XGBoost ``binary:logistic`` on the 2-D labels, LightGBM
        ``FocalLGBMClassifier(gamma=0)``), the class-weighted loss weighs each label's
        positives by ``(n_neg / n_pos)^t`` (the focal estimator at gamma 0 with alpha
        ``[[1, w_l], ...]``), focal methods fit the multi-label focal loss; every metric is
        the macro average over the labels of the per-label binary metric.
    library : {"xgboost", "lightgbm", "both"}, default="xgboost"
    cv, repeats, budget : int or None
        Outer folds (>= 2), repeats of the fold split (>= 1), configurations per method
        (>= 1). None: 5, 2, 20 (``quick``: 3, 1, 4).
    random_state : int, default=0
        Seeds the folds, the inner splits, the configuration draws and the boosters.
    n_jobs : int, default=1
        Threads of each booster (fits run one after another).
    metric : str, default="average_precision"
        The primary metric (configuration choice and verdict): ``"average_precision"``,
        ``"roc_auc"``, ``"recall_at_precision"``, ``"brier"`` or ``"log_loss"``.
    methods : sequence of str or None
        Among ``"log_loss"``, ``"weighted_log_loss"``, ``"focal"``, ``"focal_asymmetric"``,
        ``"focal_effective_number"``; at least one baseline and one focal method. None: the
        first three (each method costs ``budget x cv x repeats`` fits; the variants are opt-in).
    quick : bool, default=False
        A first look: cv 3, repeats 1, budget 4, at most 200 rounds, patience 20.
    progress : bool, default=True
        A progress bar with ETA on stderr (tqdm when installed).
    sample_weight : array-like of shape (n_samples,), optional
        Finite weights >= 0, used in training, early stopping and every metric.
    positive : label, optional
        The class of interest: the problem becomes that class against the rest (1-D ``y`` only).
        None, for two classes: 1 for 0/1 labels, True for booleans (even when it is the
        majority), else the minority class; an exact tie takes the larger label in sorted
        order (scikit-learn's convention). A positive class in more than half of the rows
        gives a ``UserWarning`` (and a note): the metrics then measure the common class.
    precision : float in (0, 1), default=0.9
        The precision of the "recall at precision" metric.
    focal_gamma : float or (low, high), default=(0.25, 5.0)
        The gamma searched (log-uniform), or one fixed value (0 allowed).
    focal_alpha : sequence, default=(None, (0.1, 0.9), "balanced")
        The alpha choices: None, a number, a (low, high) range, "balanced", "effective_number".
    n_estimators, early_stopping_rounds : int or None
        Cap on the rounds and the early-stopping patience. None: 500 and 30 (quick: 200, 20).
    max_rows : int, optional
        Stratified subsample of that many rows first (said in ``notes``).
    drop_missing_target : bool, default=False
        Drop rows whose label is missing instead of refusing them.
    confidence : float, default=0.95
        Level of every interval.
    searcher : {"random", "tpe"}, default="random"
        ``"random"``: seeded random draws, the same ``budget`` configurations in every fold, and
        configuration ``i`` of every method with booster draw ``i`` (common random numbers).
        ``"tpe"``: Optuna's TPE sampler (needs ``optuna``), one seeded study per method and
        outer fold, started from the same first configuration; the booster draws are then
        no longer shared between methods.

    Returns
    -------
    CompareResult
        ``table()``: pandas DataFrame, one row per (method, library) with each metric's mean and
        interval (``<metric>``, ``<metric>_low``, ``<metric>_high``) and ``fit_seconds``.
        ``verdict``: "focal is better" / "focal is worse" / "no significant difference".
        ``comparison``: the :class:`Interval` of best focal minus best baseline (``mean``,
        ``ci_low``, ``ci_high``; in the metric's units, so negative is better for Brier / log loss).
        ``recommended``: dict, the chosen loss (``FocalLoss`` record or baseline), library,
        estimator and its parameters, imbalance, metric, verdict, date and why.
        ``fold_scores``: DataFrame with columns method, library, family, repeat, fold, config,
        valid_score, every metric, best_iteration, fit_seconds (one row per method and outer
        fold: paired across methods by (repeat, fold); Python indices from 0, while the files,
        the report and the messages number repeats and folds from 1). ``differences``: DataFrame per outer
        fold of the best focal / best baseline picks and their difference. ``trials``: every fit's
        inner-validation score. ``notes``: what was done to the data. ``to_dict()``: the
        ``results.json`` content; ``save(dir)``: the report files.

    Raises
    ------
    ValueError, TypeError
        Before any training, for any argument out of range or unusable data: one class, missing
        labels, a regression-like target, an unknown ``positive``, too few rows of a class for
        ``cv`` (the message says which ``cv`` would work), bad weights, ...

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(n_samples=400, weights=[0.85], random_state=0)
    >>> result = compare(X, y, cv=2, repeats=1, budget=1, n_estimators=20, progress=False)
    >>> result.verdict in ("focal is better", "focal is worse", "no significant difference")
    True
    """
    # every keyword of compare is a field of StudyOptions, with the same default (tests/compare checks it)
    options = StudyOptions(**{name: value for name, value in locals().items() if name not in ("X", "y")})
    return _run.run_study(plan_study(X, y, options))
