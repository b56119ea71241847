r"""The loss parameters of the public factories, declared once: names, types, the loss they give.

Every public factory of the adapters (``focal_objective``, ``focal_metric``, ``focal_params``,
``embed_initial_margin``, ``finalize``) and the objectives' and metrics' constructors take the same
keywords -- ``gamma``, ``alpha``, ``loss``, ``label_smoothing``, ``negative_shift``, ``poly_epsilon``,
all defaulting to None -- and hand them on to :func:`resolve_loss`. They are declared here only, as
:class:`LossParams`: such a function takes ``**loss_params: Unpack[LossParams]`` (what type checkers
read, PEP 692), and :func:`spell_loss_params` writes the parameters themselves into its runtime
signature (``help()``, ``inspect.signature``, the API pages) and refuses any other keyword, as
Python would. A new loss parameter is one line of :class:`LossParams` and its use in
:func:`resolve_loss`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypedDict, TypeVar, cast

from ._docs import Unpack, keyword_parameters
from ._loss import AlphaLike, FocalLoss, GammaLike


class LossParams(TypedDict, total=False):
    """The loss keywords of a public factory, in their signature order (each may be None: not given)."""

    gamma: GammaLike | None
    alpha: AlphaLike
    loss: FocalLoss | None
    label_smoothing: float | None
    negative_shift: float | None
    poly_epsilon: float | None


#: The loss parameters a factory takes instead of ``loss=`` (None: not given).
LOSS_PARAMS = tuple(name for name in LossParams.__annotations__ if name != "loss")

#: :class:`LossParams` as keyword-only parameters with default None, as a signature shows them.
LOSS_PARAMETERS = tuple(keyword_parameters(LossParams, dict.fromkeys(LossParams.__annotations__)))

_Func = TypeVar("_Func", bound=Callable[..., Any])


def given_loss_params(loss_params: Mapping[str, Any]) -> list[str]:
    """The names of the loss keywords given a value (not None), in signature order."""
    return [name for name in LossParams.__annotations__ if loss_params.get(name) is not None]


def resolve_loss(**loss_params: Unpack[LossParams]) -> FocalLoss:
    """The loss of a public factory: ``loss`` itself, or ``FocalLoss(..., link=None)`` from the parameters.

    Parameters left at None take :class:`boostfocal.FocalLoss`'s defaults (``gamma=2.0``,
    ``alpha=None``, ``label_smoothing=0.0``, ``negative_shift=0.0``, ``poly_epsilon=0.0``). ``link=None``: one
    objective serves binary (1-D margins) and softmax boosters.

    Raises
    ------
    TypeError
        If ``loss`` is not a :class:`boostfocal.FocalLoss`, or for a keyword that is not a loss parameter.
    ValueError
        If ``loss`` is given together with any loss parameter (it would be ignored).
    """
    unknown = [name for name in loss_params if name not in LossParams.__annotations__]
    if unknown:
        raise TypeError(f"resolve_loss() got an unexpected keyword argument {unknown[0]!r}")
    given = [name for name in given_loss_params(loss_params) if name != "loss"]
    loss = loss_params.get("loss")
    if loss is None:  # the parameters given; FocalLoss's own defaults for the others
        return FocalLoss(link=None, **{name: loss_params.get(name) for name in given})
    if not isinstance(loss, FocalLoss):
        raise TypeError(f"loss must be a boostfocal.FocalLoss, got {loss!r} of type {type(loss).__name__}")
    if given:
        passed = ", ".join(f"{name}={loss_params.get(name)!r}" for name in given)
        raise ValueError(
            f"give either loss or its parameters ({' / '.join(LOSS_PARAMS)}), not both: got loss={loss!r} and {passed}"
        )
    return loss


def spell_loss_params(func: _Func) -> _Func:
    """``func``, whose signature shows the loss parameters in place of its ``**loss_params``.

    They stand after the keyword-only parameters without a default and before those with one
    (the factories' order). A keyword that is none of the parameters is refused with Python's
    own ``TypeError`` before ``func`` runs.
    """
    sig = inspect.signature(func)
    *named, var_keyword = sig.parameters.values()
    if var_keyword.kind is not inspect.Parameter.VAR_KEYWORD or var_keyword.name != "loss_params":
        raise TypeError(f"{func.__qualname__} must end with **loss_params")
    at = next(
        (i for i, p in enumerate(named) if p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is not p.empty),
        len(named),
    )
    spelled = [*named[:at], *LOSS_PARAMETERS, *named[at:]]
    keywords = {p.name for p in spelled if p.kind is not inspect.Parameter.POSITIONAL_ONLY}

    @functools.wraps(func)
    def spelled_out(*args: Any, **kwargs: Any) -> Any:
        for name in kwargs:
            if name not in keywords:
                raise TypeError(f"{func.__qualname__}() got an unexpected keyword argument {name!r}")
        return func(*args, **kwargs)

    cast(Any, spelled_out).__signature__ = sig.replace(parameters=spelled)  # __annotations__ stay func's (Unpack)
    return cast(_Func, spelled_out)
