import os
import sys

# the reference implementations next to the tests are imported as plain modules
sys.path.insert(0, os.path.dirname(__file__))


def pytest_report_header(config):
    # which compiled copy of the evaluation kernels this run uses (SCOREOPT_SIMD, issue 16)
    try:
        from scoreopt import _core

        return [f"scoreopt SIMD path: {_core.simd_path()} (compiled: {','.join(_core.simd_paths())})"]
    except Exception as e:  # pragma: no cover - an import failure is reported by the tests
        return [f"scoreopt SIMD path: unavailable ({e})"]
