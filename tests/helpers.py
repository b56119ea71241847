"""Assertions shared by the test modules."""

from __future__ import annotations

import numpy as np

#: The adapters' float32 contract (issue 13): relative 1e-5 of the float64 result, 1e-7 absolute for tiny values.
F32_RTOL = 1e-5
F32_ATOL = 1e-7


def assert_float32_close(actual: np.ndarray, reference: np.ndarray, scale: np.ndarray | None = None) -> None:
    """``actual`` is float32, finite, and within ``max(1e-5 |ref|, 1e-7)`` of the float64 ``reference``, elementwise.

    The objectives compute in float32 where their library stores float32 (the numba
    backend); this is the accuracy they promise against the float64 core functions.
    ``scale``: measure the relative error against ``|ref| + |scale|`` instead (the
    exact, unfloored hessian crosses zero; there an error relative to the size of its
    terms, of which ``|grad|`` is the measure, is what float32 can give).
    """
    actual, reference = np.asarray(actual), np.asarray(reference)
    assert actual.dtype == np.float32, actual.dtype
    assert actual.shape == reference.shape
    assert np.all(np.isfinite(actual))
    err = np.abs(actual.astype(np.float64) - reference)
    size = np.abs(reference) if scale is None else np.abs(reference) + np.abs(scale)
    bound = np.maximum(F32_RTOL * size, F32_ATOL)
    worst = int(np.argmax(err / bound))
    assert np.all(err <= bound), (
        f"float32 result off by {err.flat[worst]:.3g} at {worst} (reference {reference.flat[worst]!r}, "
        f"bound {bound.flat[worst]:.3g})"
    )


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_report_images(page: str, count: int = 3) -> None:
    """The HTML report embeds ``count`` PNG images that decode to non-blank pictures."""
    import base64
    import io
    import re

    import matplotlib.image as mpimg

    images = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", page)
    assert len(images) == count
    for b64 in images:
        data = base64.b64decode(b64)
        assert data[:8] == PNG_MAGIC
        pixels = mpimg.imread(io.BytesIO(data), format="png")
        assert pixels.ndim == 3 and pixels.shape[0] > 200 and pixels.std() > 0.01  # decoded, not blank


#: The 50 KEEL sets the KEEL benchmark runs by default (issue text, in its order).
ISSUE_DEFAULT_50 = """
abalone-17_vs_7-8-9-10 abalone-20_vs_8-9-10 abalone-3_vs_11 abalone9-18 car-vgood dermatology-6 ecoli-0-1-4-6_vs_5
ecoli-0-1-4-7_vs_5-6 ecoli-0-1_vs_5 ecoli-0-2-6-7_vs_3-5 ecoli-0-3-4-7_vs_5-6 ecoli-0-4-6_vs_5 ecoli-0-6-7_vs_5 ecoli1
ecoli3 flare-F glass-0-1-4-6_vs_2 glass-0-1-6_vs_2 glass-0-4_vs_5 glass0 glass2 glass5 haberman
kddcup-buffer_overflow_vs_back kddcup-land_vs_portsweep kddcup-rootkit-imap_vs_back kr-vs-k-three_vs_eleven
kr-vs-k-zero_vs_eight led7digit-0-2-4-5-6-7-8-9_vs_1 new_thyroid2 page-blocks0 poker-8-9_vs_5 poker-8_vs_6 segment0
shuttle-6_vs_2-3 shuttle-c2-vs-c4 vehicle1 vehicle3 winequality-red-3_vs_5 winequality-red-8_vs_6
winequality-white-3-9_vs_5 winequality-white-9_vs_4 yeast-0-2-5-6_vs_3-7-8-9 yeast-0-3-5-9_vs_7-8 yeast-1-2-8-9_vs_7
yeast-1_vs_7 yeast-2_vs_8 yeast3 yeast5 zoo-3
""".split()
