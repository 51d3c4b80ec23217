"""Throughput of the package's quantisation on one core (docs/python.md, "Speed").

    make python && OPENBLAS_NUM_THREADS=1 taskset -c 0 .venv/bin/python python/bench.py

Each line: the best of five runs over 2^23 standard normal float32 values, in millions of elements a
second, end to end (the call from Python, the conversion through the Rust model, the output array).
The target of issue 19 is 50 M elements/s for HBFP4.
"""

import time

import numpy as np

import hbfpgen

CASES = [
    ("hbfp_quantize", dict(mantissa=4, block=64)),
    ("hbfp_convert", dict(mantissa=4, block=64)),
    ("hbfp_quantize", dict(mantissa=8, block=16)),
    ("mx_quantize", dict(elements="fp4")),
    ("mx_quantize", dict(elements="fp8-e4m3")),
    ("mls_quantize", dict(elem_exp_bits=2, elem_man_bits=4, group=16, block=64)),
    ("s2fp8_quantize", dict()),
]


def main():
    x = np.random.default_rng(0).standard_normal(1 << 23).astype(np.float32)
    for name, kw in CASES:
        f = getattr(hbfpgen, name)
        f(x[:4096], **kw)
        best = 0.0
        for _ in range(5):
            t = time.perf_counter()
            f(x, **kw)
            best = max(best, x.size / (time.perf_counter() - t) / 1e6)
        args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
        print(f"{name}({args}): {best:.1f} M elements/s")


if __name__ == "__main__":
    main()
