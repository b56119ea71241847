"""
The focal family
================

One :class:`~boostfocal.FocalLoss` object describes every variant: focal loss (``gamma``),
asymmetric focusing (``gamma=[g_0, g_1]``), label smoothing, ASL's negative shift and Poly-1
(``poly_epsilon``). Here each is drawn as the loss of one sample against the probability of its
true class, computed by the numpy core on margins.
"""

import matplotlib.pyplot as plt
import numpy as np

from boostfocal import FocalLoss

p = np.linspace(0.01, 0.99, 300)
margin = np.log(p) - np.log1p(-p)  # the raw margin whose sigmoid is p
positive, negative = np.ones_like(p), np.zeros_like(p)

fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
for gamma in (0.0, 0.5, 1.0, 2.0, 5.0):
    left.plot(p, FocalLoss(gamma=gamma).loss(positive, margin), label=f"gamma {gamma:g}")
left.set_xlabel("p of the true class (y = 1)")
left.set_ylabel("loss")
left.set_title("focal loss: (1 - p)^gamma down-weights easy samples")
left.legend(fontsize="small")

variants = {
    "focal, gamma 2": FocalLoss(gamma=2.0),
    "label smoothing 0.1": FocalLoss(gamma=2.0, label_smoothing=0.1),
    "Poly-1, epsilon 1": FocalLoss(gamma=2.0, poly_epsilon=1.0),
    "ASL: gamma [4, 1], shift 0.05": FocalLoss(gamma=[4.0, 1.0], negative_shift=0.05),
}
for name, loss in variants.items():
    right.plot(1 - p, loss.loss(negative, margin), label=name)  # a negative: its true class has 1 - p
right.set_xlabel("p of the true class (y = 0)")
right.set_title("variants, for a negative sample")
right.legend(fontsize="small")
fig.tight_layout()

# %%
# Every variant has exact derivatives, a starting margin and a record that models store.
loss = variants["ASL: gamma [4, 1], shift 0.05"]
grad, hess = loss.grad_hess(negative[:3], margin[:3], hess_floor="curvature")
print(loss)
print("starting margin for 10 % positives:", loss.initial_margin(np.r_[np.ones(10), np.zeros(90)]))
print("record:", loss.to_dict())
