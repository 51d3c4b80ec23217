"""Reads the generator's vector files (docs/vectors.md) into fields of integers, and runs the
generator's command line to write them, so that the Python package is checked against exactly
what the co-simulation checks the RTL against."""

import os
import re
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HBFPGEN = os.environ.get("HBFPGEN", os.path.join(ROOT, "target", "release", "hbfpgen"))


def run(*args):
    """Runs the generator's command line; returns its standard output."""
    return subprocess.run([HBFPGEN, *args], check=True, capture_output=True, text=True).stdout


def vectors(unit, flags, count, seed):
    """`hbfpgen vectors UNIT FLAGS -n COUNT --seed SEED` as a list of {field: int} words."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "v.vec")
        run("vectors", unit, *flags, "-n", str(count), "--seed", str(seed), "-o", path)
        with open(path) as f:
            text = f.read()
    fields = None
    words = []
    for line in text.splitlines():
        m = re.match(r"// word \d+ bits, fields from the most significant end \(name:bits\): (.*)", line)
        if m:
            fields = [(n, int(b)) for n, b in (f.split(":") for f in m.group(1).split())]
            continue
        if line.startswith("//") or not line.strip():
            continue
        parts = line.strip().split("_")
        assert fields is not None and len(parts) == len(fields), line
        words.append({n: int(p, 16) for (n, _), p in zip(fields, parts)})
    return words


def lanes(value, count, bits):
    """The `count` lanes of `bits` bits of a field, lane 0 at the least significant end."""
    mask = (1 << bits) - 1
    return [(value >> (i * bits)) & mask for i in range(count)]


def signed(value, bits):
    """A `bits`-bit two's-complement field as an int."""
    return value - (1 << bits) if value >> (bits - 1) else value
