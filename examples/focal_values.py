"""
Focal-loss values and derivatives
=================================

A tour of the numpy core: the loss, its exact gradient and hessian for a few margins, where
the hessian turns negative and how :func:`boostfocal.clip_hessian` floors it, the starting
margin for 1 % positives, and the softmax loss.
"""

import numpy as np

import boostfocal as bf

margins = np.array([-6.0, -2.79, -1.0, 0.0, 1.0, 3.0, 8.0])
y = np.ones_like(margins)
print("binary focal loss for a positive sample (y = 1), alpha = None")
print(f"{'margin':>8} {'p':>8} | {'gamma':>5} {'loss':>10} {'grad':>10} {'hess (exact)':>13} {'hess (clipped)':>15}")
for gamma in (0.0, 2.0):
    loss = bf.binary_focal_loss(y, margins, gamma=gamma)
    grad, hess = bf.binary_focal_grad_hess(y, margins, gamma=gamma)
    clipped = bf.clip_hessian(hess)
    for z, fl, g, h, c in zip(margins, loss, grad, hess, clipped, strict=True):
        p = 1 / (1 + np.exp(-z))
        print(f"{z:8.2f} {p:8.4f} | {gamma:5.1f} {fl:10.5f} {g:10.5f} {h:13.6f} {c:15.6f}")
print(
    "\nAt gamma = 2 the exact hessian is negative below margin -2.79; clip_hessian floors it at", bf.DEFAULT_HESS_FLOOR
)

labels = np.r_[np.ones(10), np.zeros(990)]
print("\nstarting margin for 1% positives (the constant that minimises the mean loss):")
for gamma in (0.0, 1.0, 2.0, 5.0):
    z0 = bf.initial_margin(labels, gamma=gamma)
    print(f"  gamma={gamma:3.1f}: margin {z0:8.4f}  (sigmoid = {1 / (1 + np.exp(-z0)):.4f})")

z = np.array([[2.0, 0.5, -1.0], [0.0, 3.0, 0.1]])
grad, hess = bf.softmax_focal_grad_hess([0, 2], z, gamma=2.0, alpha=[0.2, 0.3, 0.5])
print("\nsoftmax focal (K = 3, gamma = 2, alpha = [0.2, 0.3, 0.5]):")
print("  loss:", bf.softmax_focal_loss([0, 2], z, gamma=2.0, alpha=[0.2, 0.3, 0.5]))
print("  grad:\n", grad)
print("  hess diagonal (exact):\n", hess)
