"""The contract list: every loss configuration the contract tests run over (sklearn's ``LOSS_INSTANCES``).

A new variant of the focal family is one entry here (and a line in the oracle ``mp_loss`` of
``tests/loss/test_loss_contracts.py``): every property test of the loss (mpmath values, finite
differences, identities, extremes, weights, starting margin, posterior, records) and of the
adapters (``tests/adapters/test_adapter_contracts.py``) then runs for it.
"""

from __future__ import annotations

from boostfocal import FocalLoss

K = 4
LOSS_INSTANCES = [
    FocalLoss(gamma=0.0),
    FocalLoss(gamma=0.0, alpha=0.25),
    FocalLoss(gamma=0.5),
    FocalLoss(gamma=2.0, alpha=0.25),
    FocalLoss(gamma=5.0, alpha=0.9),
    FocalLoss(gamma=[0.5, 3.0], alpha=[1.0, 4.0]),  # asymmetric focusing (ASL's gamma_-, gamma_+), [a_0, a_1]
    FocalLoss(gamma=[4.0, 0.0]),  # focus the negatives only
    FocalLoss(gamma=2.0, alpha=0.25, label_smoothing=0.1),
    FocalLoss(gamma=[0.5, 3.0], alpha=[1.0, 4.0], label_smoothing=0.3),
    FocalLoss(gamma=[4.0, 1.0], negative_shift=0.05),  # ASL's defaults (gamma_- = 4, gamma_+ = 1, m = 0.05)
    FocalLoss(gamma=[0.5, 3.0], alpha=[1.0, 4.0], negative_shift=0.2),  # 0 < g_0 < 1: unbounded d2 at the kink
    FocalLoss(gamma=[0.0, 1.0], negative_shift=0.2),  # g_0 = 0: the derivative jumps at the kink
    FocalLoss(gamma=2.0, alpha=0.25, negative_shift=0.05, label_smoothing=0.1),
    FocalLoss(gamma=0.0, link="softmax", num_class=K),
    FocalLoss(gamma=0.7, link="softmax", num_class=K),
    FocalLoss(gamma=2.0, alpha=[0.5, 1.0, 2.0, 0.25], link="softmax", num_class=K),
    FocalLoss(gamma=3.0, alpha=1.5, link="softmax", num_class=K),
    FocalLoss(gamma=[0.5, 1.0, 2.0, 4.0], alpha=[2.0, 1.0, 1.0, 0.5], link="softmax", num_class=K),  # per class
    FocalLoss(gamma=2.0, link="softmax", num_class=K, label_smoothing=0.1),
    FocalLoss(gamma=[0.5, 1.0, 2.0, 4.0], alpha=[2.0, 1.0, 1.0, 0.5], link="softmax", num_class=K, label_smoothing=0.3),
    # multi-label (issue 15): one sigmoid per column, every binary option per element
    FocalLoss(gamma=0.0, link="multilabel"),
    FocalLoss(gamma=2.0, alpha=0.25, link="multilabel"),
    FocalLoss(gamma=[4.0, 0.0], alpha=[0.2, 0.5, 0.7, 0.9], link="multilabel"),  # ASL-style gamma, per-label alpha
    FocalLoss(gamma=[0.5, 3.0], alpha=[[1.0, 4.0], [1.0, 1.0], [0.5, 2.0], [2.0, 1.0]], link="multilabel"),
    FocalLoss(gamma=[1.0, 3.0], alpha=0.75, link="multilabel", label_smoothing=0.1),
    FocalLoss(
        gamma=2.0, alpha=[[1.0, 4.0], [1.0, 1.0], [0.5, 2.0], [2.0, 1.0]], link="multilabel", label_smoothing=0.3
    ),
    FocalLoss(gamma=[4.0, 1.0], alpha=[0.2, 0.5, 0.7, 0.9], link="multilabel", negative_shift=0.05),  # ASL
    FocalLoss(gamma=[2.0, 0.5], alpha=0.75, link="multilabel", negative_shift=0.2, label_smoothing=0.1),
    # Poly-1 focal loss (Leng et al., ICLR 2022): + epsilon (1 - p_t)^(gamma + 1), epsilon >= -1
    FocalLoss(gamma=2.0, poly_epsilon=1.0),
    FocalLoss(gamma=[0.5, 3.0], alpha=[1.0, 4.0], poly_epsilon=-1.0, label_smoothing=0.1),  # the boundary
    FocalLoss(gamma=0.0, alpha=0.25, poly_epsilon=2.0),  # Poly-1 cross-entropy
    FocalLoss(gamma=[0.5, 1.0, 2.0, 4.0], alpha=[2.0, 1.0, 1.0, 0.5], link="softmax", num_class=K, poly_epsilon=-0.5),
    FocalLoss(gamma=2.0, link="softmax", num_class=K, label_smoothing=0.1, poly_epsilon=1.0),
    FocalLoss(gamma=[1.0, 3.0], alpha=[0.2, 0.5, 0.7, 0.9], link="multilabel", poly_epsilon=1.0),
]
