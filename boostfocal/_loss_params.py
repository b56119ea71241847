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

from collections.abc import Mapping
from typing import Any, TypedDict

from ._docs import Unpack, spelled
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
        If ``loss`` is not a :class:`boostfocal.FocalLoss` (other keywords were refused by the factory's
        :data:`spell_loss_params`).
    ValueError
        If ``loss`` is given together with any loss parameter (it would be ignored).
    """
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


#: Decorator of a factory taking ``**loss_params: Unpack[LossParams]``: its signature shows the loss parameters
#: (every default None) after the keyword-only parameters without a default; other keywords are refused.
spell_loss_params = spelled(LossParams)
