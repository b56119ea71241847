"""Record the golden outputs of today's boostfocal into tests/golden/data/ (run: python tests/golden/make_golden.py).

Regenerate only for an intended change of behaviour (see README.md): the test compares the code against
these files.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import golden_cases as gc  # noqa: E402


def main() -> None:
    t0 = time.perf_counter()
    gc.DATA.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}
    layout: dict[str, gc.Layout] = {}

    def store(group: str, values: gc.Result) -> None:
        flat, layout[group] = gc.pack(values)
        arrays.update({f"{group}|{dt}": v for dt, v in flat.items()})

    errors: dict[str, str] = {}
    inputs = gc.make_inputs()
    store("input", inputs)
    cases = gc.loss_cases(inputs)
    records = {}
    for case in cases:
        res, err = gc.core_outputs(case, inputs)
        store(f"core.{case['id']}", res)
        errors.update({f"core.{case['id']}.{k}": v for k, v in err.items()})
        records[case["id"]] = gc.to_dict_record(case)
        for backend in ("numpy", "numba"):
            res, err = gc.adapter_outputs(case, inputs, backend)
            store(f"adapter.{backend}.{case['id']}", res)
            errors.update({f"adapter.{backend}.{case['id']}.{k}": v for k, v in err.items()})
    print(f"losses: {len(cases)} configurations, {time.perf_counter() - t0:.1f} s", flush=True)

    data = gc.fit_data()
    store("fitdata", data)
    import boostfocal

    fit_ids = []
    with boostfocal.use_backend("numpy"):
        for key in gc.fit_keys():
            t1 = time.perf_counter()
            res = gc.fit_raw(*key, data)
            store(f"fit.{gc.fit_id(key)}", res)
            fit_ids.append(gc.fit_id(key))
            print(f"fit {gc.fit_id(key)}: {time.perf_counter() - t1:.1f} s", flush=True)

    quality = {}
    for name in gc.QUALITY_SETS:
        for library in ("xgboost", "lightgbm"):
            quality[f"{name}-{library}"] = gc.quality_scores(name, library)
            print(f"quality {name}-{library}: {quality[f'{name}-{library}']}", flush=True)

    import lightgbm
    import numba
    import sklearn
    import xgboost

    meta = {
        "cases": cases,
        "errors": errors,
        "records": records,
        "fits": fit_ids,
        "quality": quality,
        "recorded_with": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "numba": numba.__version__,
            "xgboost": xgboost.__version__,
            "lightgbm": lightgbm.__version__,
            "scikit-learn": sklearn.__version__,
            "machine": platform.machine(),
        },
    }
    np.savez_compressed(gc.ARRAYS, **arrays)
    gc.CASES.write_text(json.dumps(meta, indent=1) + "\n")
    gc.LAYOUT.write_text(json.dumps(layout, separators=(",", ":")) + "\n")
    print(f"{len(arrays)} arrays, {len(errors)} recorded errors, {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
