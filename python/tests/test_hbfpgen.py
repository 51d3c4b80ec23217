"""The Python package's laws (run by `make test` through `make python-test`):

1. Each converter and S2FP8 function gives, bit for bit, the outputs that the generator's vector
   files hold for the same inputs: the files the co-simulation and the self-checking testbenches
   check the RTL against (random words and the corner cases: zeros, subnormals, Inf, NaN, ties).
2. hbfp_quantize with emulator_compat equals HBFPEmulator's formula, reimplemented here in NumPy
   (E = ceil(log2(max|x| + 1e-8)) in float32, q = round(x / 2^(E - mant_bits)) clamped), on random
   tensors.
3. The matrix-vector products equal NumPy's product of the quantised operands (exact in float64
   for these sizes), and with an FP32 accumulator NumPy's sum rounded to float32 after each block.
4. The README's example: a generated unit simulated under Icarus writes its outputs, and ten lines
   of NumPy with the package reproduce them bit for bit (and fail on an output changed by one bit).
5. Arrays of any rank convert block by block along the last axis; bad input raises ValueError
   with the generator's message and what to change.
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import hbfpgen
from vecfile import ROOT, lanes, run, signed, vectors

COUNT = 300


def floats(patterns, bits):
    """Patterns of FP32 (bits = 32) or bf16 (bits = 16) as a float32 array."""
    a = np.array(patterns, dtype=np.uint32)
    return (a << np.uint32(32 - bits)).view(np.float32)


class VectorFiles(unittest.TestCase):
    """Law 1: the package reproduces the vector files bit for bit."""

    def test_hbfp_convert(self):
        cases = [
            (["--mantissa", "4", "--block", "16"], dict(mantissa=4, block=16), 0),
            (["--mantissa", "8", "--block", "8", "--rounding", "toward-zero"],
             dict(mantissa=8, block=8, rounding="toward-zero"), 0),
            (["--mantissa", "6", "--block", "4", "--rounding", "stochastic", "--random-bits", "5"],
             dict(mantissa=6, block=4, rounding="stochastic", random_bits=5), 5),
            (["--mantissa", "4", "--block", "8", "--emulator-compat"],
             dict(mantissa=4, block=8, emulator_compat=True), 0),
            (["--mantissa", "8", "--block", "4", "--input-format", "bf16", "--ftz", "--exp-bits", "8"],
             dict(mantissa=8, block=4, input_format="bf16", ftz=True, exp_bits=8), 0),
        ]
        for flags, kw, rbits in cases:
            with self.subTest(flags=flags):
                m, k = kw["mantissa"], kw["block"]
                e = kw.get("exp_bits", 10)
                lw = 16 if kw.get("input_format") == "bf16" else 32
                words = vectors("convert", flags, COUNT, 7)
                x = floats([lanes(w["fp"], k, lw) for w in words], lw)
                rnd = None
                if rbits:
                    rnd = np.array([lanes(w["rnd"], k, rbits) for w in words], dtype=np.uint32)
                man, exp = hbfpgen.hbfp_convert(x, random=rnd, **kw)
                self.assertEqual(man.shape, (len(words), 1, k))
                for i, w in enumerate(words):
                    want = [signed(v, m) for v in lanes(w["man"], k, m)]
                    self.assertEqual(list(man[i, 0]), want, f"word {i}")
                    self.assertEqual(exp[i, 0], signed(w["exp"], e), f"word {i}")

    def test_mx_convert(self):
        for elements, width in [("fp4", 4), ("fp6-e3m2", 6), ("fp8-e4m3", 8), ("int8", 8)]:
            with self.subTest(elements=elements):
                words = vectors("mx-convert", ["--elements", elements, "--block", "8"], COUNT, 3)
                x = floats([lanes(w["fp"], 8, 32) for w in words], 32)
                codes, scales = hbfpgen.mx_convert(x, elements=elements, block=8)
                for i, w in enumerate(words):
                    self.assertEqual(list(codes[i, 0]), lanes(w["elem"], 8, width), f"word {i}")
                    self.assertEqual(scales[i, 0], w["scale"], f"word {i}")

    def test_mls_convert(self):
        flags = ["--elem-exp-bits", "2", "--elem-man-bits", "4", "--group", "4",
                 "--group-scale-bits", "3", "--block", "8"]
        kw = dict(elem_exp_bits=2, elem_man_bits=4, group=4, group_scale_bits=3, block=8)
        for extra, xkw, rbits in [([], {}, 0),
                                  (["--rounding", "stochastic", "--random-bits", "6"],
                                   dict(rounding="stochastic", random_bits=6), 6)]:
            with self.subTest(extra=extra):
                words = vectors("mls-convert", flags + extra, COUNT, 5)
                for i, w in enumerate(words):
                    x = floats([lanes(w["fp"], 8, 32)], 32)
                    r = float(floats([w["rscale"]], 32)[0])
                    rnd = np.array([lanes(w["rnd"], 8, rbits)], dtype=np.uint32) if rbits else None
                    el, gs, inv = hbfpgen.mls_convert(x, rscale=r, random=rnd, **kw, **xkw)
                    self.assertEqual(list(el[0, 0]), lanes(w["elem"], 8, 7), f"word {i}")
                    self.assertEqual(list(gs[0, 0]), lanes(w["gscale"], 2, 3), f"word {i}")
                    self.assertEqual(bool(inv[0, 0]), bool(w["invalid"]), f"word {i}")

    def test_s2fp8_encode_and_decode(self):
        for i, w in enumerate(vectors("s2fp8-encode", ["--block", "4"], COUNT, 9)):
            x = floats(lanes(w["fp"], 4, 32), 32)
            codes = hbfpgen.s2fp8_encode(x, alpha=w["alpha"], beta=signed(w["beta"], 33))
            self.assertEqual(list(codes), lanes(w["code"], 4, 8), f"encode word {i}")
        for i, w in enumerate(vectors("s2fp8-decode", ["--block", "4"], COUNT, 9)):
            codes = np.array(lanes(w["code"], 4, 8), dtype=np.uint8)
            y = hbfpgen.s2fp8_decode(codes, inv_alpha=w["inv_alpha"], beta=signed(w["beta"], 33))
            self.assertEqual(list(y.view(np.uint32)), lanes(w["fp"], 4, 32), f"decode word {i}")

    def test_s2fp8_stats(self):
        x = np.random.default_rng(4).standard_normal((5, 16)).astype(np.float32)
        s = hbfpgen.s2fp8_stats(x)
        self.assertEqual(s["count"], 80)
        # the tensor through the package equals its codes decoded under its own statistics
        codes = hbfpgen.s2fp8_encode(x, alpha=s["alpha"], beta=s["beta"])
        y = hbfpgen.s2fp8_decode(codes, inv_alpha=s["inv_alpha"], beta=s["beta"])
        np.testing.assert_array_equal(hbfpgen.s2fp8_quantize(x), y)


def emulator_quantise(x, mant_bits, block):
    """HBFPEmulator's block quantisation (bfp_ops.py), in NumPy, independently of the package."""
    xb = x.reshape(-1, block).astype(np.float32)
    mx = np.max(np.abs(xb), axis=1)
    e = np.ceil(np.log2(mx + np.float32(1e-8)))
    ulp = np.exp2(e.astype(np.float64) - mant_bits)[:, None]
    lim = 2.0 ** mant_bits - 1
    q = np.clip(np.round(xb.astype(np.float64) / ulp), -lim, lim)
    return (q * ulp).reshape(x.shape)


class Emulator(unittest.TestCase):
    """Law 2: HBFPEmulator's formula."""

    def test_random_tensors(self):
        rng = np.random.default_rng(11)
        for m in (4, 6, 8):
            for block in (8, 64):
                for scale in (1e-2, 1.0, 3e3):
                    x = (rng.standard_normal((32, 4 * block)) * scale).astype(np.float32)
                    # blocks whose largest magnitude is a power of two: the emulator's quirk
                    x[0, :block] = np.float32(0.5)
                    x[1, block:2 * block] *= np.float32(0)
                    got = hbfpgen.hbfp_quantize(x, mantissa=m, block=block, emulator_compat=True)
                    np.testing.assert_array_equal(got, emulator_quantise(x, m - 1, block),
                                                  err_msg=f"m={m} block={block} scale={scale}")

    def test_exact_rule_differs_at_powers_of_two(self):
        x = np.full((1, 8), 0.5, dtype=np.float32)
        emu = hbfpgen.hbfp_quantize(x, mantissa=4, block=8, emulator_compat=True)
        exact = hbfpgen.hbfp_quantize(x, mantissa=4, block=8)
        self.assertEqual(list(exact[0]), [0.5] * 8)
        self.assertEqual(list(emu[0]), [0.4375] * 8)  # saturates one code low


class MatVec(unittest.TestCase):
    """Law 3: the matrix-vector products."""

    def setUp(self):
        rng = np.random.default_rng(2)
        self.a = rng.standard_normal((6, 128)).astype(np.float32)
        self.x = rng.standard_normal(128).astype(np.float32)

    def test_hbfp(self):
        kw = dict(mantissa=6, block=32)
        qa = hbfpgen.hbfp_quantize(self.a, **kw)
        qx = hbfpgen.hbfp_quantize(self.x, **kw)
        np.testing.assert_array_equal(hbfpgen.hbfp_matvec(self.a, self.x, **kw), qa @ qx)
        # into FP32: each block's exact sum added to the float32 accumulator, rounded once
        want = []
        for r in range(6):
            acc = np.float32(0)
            for b in range(4):
                s = slice(32 * b, 32 * b + 32)
                acc = np.float32(np.float64(acc) + qa[r, s] @ qx[s])
            want.append(acc)
        got = hbfpgen.hbfp_matvec(self.a, self.x, acc="fp32", **kw)
        np.testing.assert_array_equal(got, np.array(want, dtype=np.float64))

    def test_mx(self):
        kw = dict(elements="fp8-e4m3", block=32)
        qa = hbfpgen.mx_quantize(self.a, **kw)
        qx = hbfpgen.mx_quantize(self.x, **kw)
        np.testing.assert_array_equal(hbfpgen.mx_matvec(self.a, self.x, **kw), qa @ qx)

    def test_mls(self):
        kw = dict(elem_exp_bits=2, elem_man_bits=4, group=16, group_scale_bits=3, block=32)
        ra, rx = np.float32(0.25), np.float32(0.5)
        qa = hbfpgen.mls_quantize(self.a, rscale=ra, **kw)
        qx = hbfpgen.mls_quantize(self.x, rscale=rx, **kw)
        y = hbfpgen.mls_matvec(self.a, self.x, rscale_a=ra, rscale_x=rx, **kw)
        np.testing.assert_array_equal(y, qa @ qx)


class BlockDot(unittest.TestCase):
    """Law 3 too: the exact block dot products equal the block sums of the quantised products
    (exact in float64 for these sizes)."""

    def setUp(self):
        rng = np.random.default_rng(8)
        self.a = rng.standard_normal((3, 4, 64)).astype(np.float32)
        self.b = rng.standard_normal((3, 4, 64)).astype(np.float32)

    def block_sums(self, qa, qb, k):
        return (qa * qb).reshape(qa.shape[:-1] + (-1, k)).sum(axis=-1)

    def test_hbfp(self):
        kw = dict(mantissa=8, block=16)
        got = hbfpgen.hbfp_dot(self.a, self.b, **kw)
        self.assertEqual(got.shape, (3, 4, 4))
        want = self.block_sums(hbfpgen.hbfp_quantize(self.a, **kw), hbfpgen.hbfp_quantize(self.b, **kw), 16)
        np.testing.assert_array_equal(got, want)

    def test_mx_mixed_formats(self):
        got = hbfpgen.mx_dot(self.a, self.b, elements="fp8-e4m3", elements_b="fp4", block=32)
        qa = hbfpgen.mx_quantize(self.a, elements="fp8-e4m3", block=32)
        qb = hbfpgen.mx_quantize(self.b, elements="fp4", block=32)
        np.testing.assert_array_equal(got, self.block_sums(qa, qb, 32))

    def test_mls(self):
        kw = dict(elem_exp_bits=2, elem_man_bits=1, group=16, group_scale_bits=3, block=32)
        ra, rb = np.float32(0.25), np.float32(0.5)   # powers of two: the quantised values are exact
        got = hbfpgen.mls_dot(self.a, self.b, rscale_a=ra, rscale_b=rb, **kw)
        qa = hbfpgen.mls_quantize(self.a, rscale=ra, **kw) * ra
        qb = hbfpgen.mls_quantize(self.b, rscale=rb, **kw) * rb
        np.testing.assert_array_equal(got, self.block_sums(qa, qb, 32))


class Example(unittest.TestCase):
    """Law 4: python/examples/rtl_agrees.py against a simulated unit."""

    def test_rtl_agrees(self):
        example = os.path.join(ROOT, "python", "examples", "rtl_agrees.py")
        with tempfile.TemporaryDirectory() as d:
            flags = ["--mantissa", "4", "--block", "16", "--name", "conv"]
            run("gen", "convert", *flags, "--testbench", "-o", d)
            run("vectors", "convert", *flags, "-n", "300", "--seed", "5", "-o", os.path.join(d, "conv.vec"))
            subprocess.run(["iverilog", "-g2012", "-o", "tb.vvp", "conv_tb.sv", "conv.sv"], cwd=d, check=True)
            sim = subprocess.run(["vvp", "-n", "tb.vvp", "+vectors=conv.vec", "+outputs=rtl.txt"],
                                 cwd=d, check=True, capture_output=True, text=True)
            self.assertIn("300 passed, 0 failed", sim.stdout)
            out = subprocess.run([sys.executable, example], cwd=d, check=True, capture_output=True, text=True)
            self.assertIn("300 results: the RTL and hbfpgen.hbfp_convert agree bit for bit", out.stdout)
            # one output bit changed: the example fails
            with open(os.path.join(d, "rtl.txt")) as f:
                rows = f.read().splitlines()
            m, e = rows[7].split()
            rows[7] = "%s %s" % (m[:-1] + "%x" % (int(m[-1], 16) ^ 1), e)
            with open(os.path.join(d, "rtl.txt"), "w") as f:
                f.write("\n".join(rows) + "\n")
            bad = subprocess.run([sys.executable, example], cwd=d, capture_output=True, text=True)
            self.assertNotEqual(bad.returncode, 0)
            self.assertIn("AssertionError", bad.stderr)


class Interface(unittest.TestCase):
    """Law 5: shapes, the manifest, and errors."""

    def test_any_rank(self):
        x = np.random.default_rng(1).standard_normal((2, 3, 32)).astype(np.float32)
        man, exp = hbfpgen.hbfp_convert(x, mantissa=4, block=16)
        self.assertEqual(man.shape, (2, 3, 2, 16))
        self.assertEqual(exp.shape, (2, 3, 2))
        flat_man, flat_exp = hbfpgen.hbfp_convert(x.reshape(-1, 16), mantissa=4, block=16)
        np.testing.assert_array_equal(man.reshape(-1, 16), flat_man.reshape(-1, 16))
        np.testing.assert_array_equal(exp.reshape(-1), flat_exp.reshape(-1))
        # a non-contiguous view converts as its copy does
        t = np.asfortranarray(x.reshape(6, 32))
        np.testing.assert_array_equal(hbfpgen.hbfp_quantize(t, mantissa=4, block=16),
                                      hbfpgen.hbfp_quantize(np.ascontiguousarray(t), mantissa=4, block=16))

    def test_manifest_is_the_generators(self):
        want = json.loads(run("info", "dot", "--mantissa", "4", "--block", "16"))
        self.assertEqual(hbfpgen.manifest("dot", mantissa=4, block=16), want)
        self.assertIn("mls-convert", hbfpgen.units())

    def test_errors(self):
        x = np.zeros((2, 16), dtype=np.float32)
        for call, needle in [
            (lambda: hbfpgen.hbfp_quantize(x, mantissa=1, block=16), "`mantissa`: 1 is out of range"),
            (lambda: hbfpgen.hbfp_quantize(x, mantisa=4, block=16), "unknown parameter `mantisa`"),
            (lambda: hbfpgen.hbfp_quantize(x, mantissa=4, block=6), "not a multiple of the block"),
            (lambda: hbfpgen.hbfp_quantize(x, mantissa=4, block=16, rounding="stochastic"), "needs `random`"),
            (lambda: hbfpgen.hbfp_quantize(x + np.float32(1.1), mantissa=4, block=16,
                                           input_format="bf16"), "not a bfloat16 value"),
            (lambda: hbfpgen.mx_quantize(x, elements="fp5", block=16), "fp5"),
            (lambda: hbfpgen.manifest("nope"), "unknown unit `nope`"),
            (lambda: hbfpgen.hbfp_matvec(x, x, mantissa=4, block=16), "must be 2-D"),
            (lambda: hbfpgen.hbfp_dot(x, x[:1], mantissa=4, block=16), "must have one shape"),
            (lambda: hbfpgen.mls_matvec(x, x[0], elem_exp_bits=2, elem_man_bits=1, group=16,
                                        block=16, rounding="stochastic"),
             "convert the operands with mls_convert(..., random=...)"),
        ]:
            with self.subTest(needle=needle):
                with self.assertRaises(ValueError) as cm:
                    call()
                self.assertIn(needle, str(cm.exception))
        # arrays of another type are refused, not converted behind the caller's back
        for call, needle in [
            (lambda: hbfpgen.hbfp_quantize(np.zeros((2, 16)), mantissa=4, block=16),
             "float32 array is expected, not an array of float64"),
            (lambda: hbfpgen.mx_quantize([0.0] * 32, elements="fp4"), "not a list"),
            (lambda: hbfpgen.hbfp_quantize(x, mantissa=4, block=16, rounding="stochastic",
                                           random=np.zeros(x.shape, dtype=np.int64)),
             "uint32 array is expected, not an array of int64"),
            (lambda: hbfpgen.s2fp8_decode(np.zeros(4, dtype=np.int32), inv_alpha=65536, beta=0),
             "uint8 array is expected"),
        ]:
            with self.subTest(needle=needle):
                with self.assertRaises(TypeError) as cm:
                    call()
                self.assertIn(needle, str(cm.exception))


if __name__ == "__main__":
    unittest.main()
