"""numpydoc entries written once: the loss options' entries and the decorator that puts them in place.

The bottom of the package (imports nothing of it): the numerical core
(:mod:`boostfocal._core`) and the adapters (:mod:`boostfocal._adapter`) fill their
docstrings from the same text, so a parameter is described in one place.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

# ``Unpack`` for the modules whose functions take ``**options: Unpack[SomeTypedDict]`` (PEP 692): typing's
# from Python 3.11, so that ``typing.get_type_hints`` resolves their annotations; on 3.10 the postponed
# annotations are read by type checkers only, and the name is enough.
if TYPE_CHECKING:
    from typing_extensions import Unpack
elif sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover - Python 3.10
    Unpack = None

#: The entries of the loss options (the focal family), indented for a module-level function
#: or class docstring; ``%(name)s`` in a docstring is replaced by the entry ``name``.
OPTION_ENTRIES: dict[str, str] = {
    "label_smoothing": """label_smoothing : float in [0, 1), default=0.0
        Smoothed targets ``e``: binary (and each multi-label element)
        ``t = y (1 - e) + e / 2``, ``FL = t L_1 + (1 - t) L_0``; softmax
        ``t_k = (1 - e) [k = y] + e / K``, ``FL = -sum_k t_k a_k (1 - p_k)^{g_k} log p_k``.
        It softens focal loss under label noise (see :class:`boostfocal.FocalLoss`);
        the posterior map (``predict_posterior``) un-smooths. 0: hard labels.""",
    "negative_shift": """negative_shift : float in [0, 1), default=0.0
        Binary and multi-label only: the probability margin m of the asymmetric
        loss (ASL, Ridnik et al., 2021). Negatives are scored at
        ``p_m = max(p - m, 0)``, ``L_0 = -a_0 p_m^{g_0} log(1 - p_m)``, so those already
        below ``p = m`` cost nothing; combine with ``gamma=[g_0, g_1]`` (ASL: ``[4, 1]``,
        m = 0.05); the posterior map sends ``p <= m`` to 0. Softmax (multiclass) with
        m > 0 is an error. 0: no shift.""",
    "poly_epsilon": """poly_epsilon : float >= -1, default=0.0
        Poly-1 focal loss (Leng et al., ICLR 2022): every class term gains
        ``epsilon (1 - p_t)^{gamma + 1}``; epsilon >= -1 keeps the loss decreasing and
        convex in ``p_t`` (see :class:`boostfocal.FocalLoss`). Not combined with
        ``negative_shift``. 0: plain focal loss.""",
    "sample_weight": """sample_weight : array-like of shape (n_samples,), optional
        Finite weights >= 0, one per row, multiplying each row's loss (and its
        gradient and hessian).""",
}

Documented = TypeVar("Documented", bound=Callable[..., Any])


def doc_filler(entries: Mapping[str, str], **extra: str) -> Callable[[Documented], Documented]:
    """Decorator: replace ``%(name)s`` in a docstring by ``entries[name]`` (``extra`` wins on a clash)."""
    table = {**entries, **extra}

    def decorate(obj: Documented) -> Documented:
        if obj.__doc__:  # None under python -OO
            doc = obj.__doc__
            for key, text in table.items():
                doc = doc.replace(f"%({key})s", text)
            obj.__doc__ = doc
        return obj

    return decorate


def keyword_parameters(options: type, defaults: Mapping[str, Any]) -> list[inspect.Parameter]:
    """The keywords of the TypedDict ``options`` as keyword-only parameters, in the order of ``defaults``, with them."""
    types = options.__annotations__
    return [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=default,
            annotation=getattr(types[name], "__forward_arg__", types[name]),  # the annotation's text
        )
        for name, default in defaults.items()
        if name in types
    ]


def spelled(options: type, defaults: Mapping[str, Any] | None = None) -> Callable[[Documented], Documented]:
    """Decorator for a function that takes ``**options: Unpack[options]`` (its keywords declared once, in a TypedDict).

    The function gets the signature its users read (``inspect.signature``, ``help()``, the
    API pages): the keywords of ``options`` spelled out, keyword-only, in the order of
    ``defaults`` with those defaults (None: the TypedDict's order, every default None),
    after the keyword-only parameters without a default and before those with one. A
    keyword that is not in that signature is refused with Python's own ``TypeError``
    before the function runs. Its ``__annotations__`` stay its own (``Unpack[...]``), so
    ``typing.get_type_hints`` resolves them.
    """
    spelled_defaults = dict.fromkeys(options.__annotations__) if defaults is None else defaults

    def decorate(func: Documented) -> Documented:
        sig = inspect.signature(func)
        *named, var_keyword = sig.parameters.values()
        if var_keyword.kind is not inspect.Parameter.VAR_KEYWORD:
            raise TypeError(f"{func.__qualname__} must end with **options")
        at = next(
            (i for i, p in enumerate(named) if p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is not p.empty),
            len(named),
        )
        parameters = [*named[:at], *keyword_parameters(options, spelled_defaults), *named[at:]]
        keywords = {p.name for p in parameters if p.kind is not inspect.Parameter.POSITIONAL_ONLY}

        @functools.wraps(func)
        def spelled_out(*args: Any, **kwargs: Any) -> Any:
            for name in kwargs:
                if name not in keywords:
                    raise TypeError(f"{func.__qualname__}() got an unexpected keyword argument {name!r}")
            return func(*args, **kwargs)

        cast(Any, spelled_out).__signature__ = sig.replace(parameters=parameters)
        return cast(Documented, spelled_out)

    return decorate
