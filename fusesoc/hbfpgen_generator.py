#!/usr/bin/env python3
"""FuseSoC generator of hbfpgen units (the generator `hbfpgen` of fusesoc/hbfpgen.core).

FuseSoC runs it with the path of a YAML file: the calling core's parameters and the name (VLNV) the
generated core must have. It runs

    hbfpgen gen UNIT --KEY VALUE ... --fusesoc --fusesoc-vlnv VLNV -o .

which writes the unit's SystemVerilog, manifest, testbench, 1000 vectors and its core into the
current directory (FuseSoC's generator directory). Parameters: `unit` (the command-line name: dot,
convert, mx-convert, mls-dot, s2fp8-encode, ...) and every other key a flag of `hbfpgen gen UNIT`,
with _ for - (a true boolean is the bare flag). docs/fusesoc.md.

hbfpgen is found as $HBFPGEN, else `hbfpgen` on the PATH, else this repository's
target/release/hbfpgen or target/debug/hbfpgen.
"""

import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESERVED = {"fusesoc", "fusesoc_vlnv", "testbench", "output", "config"}


def fail(message):
    sys.stderr.write("hbfpgen generator: " + message + "\n")
    sys.exit(2)


def scalar(text):
    """A YAML scalar of FuseSoC's input file: int, bool, or a (possibly quoted) string."""
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"":
        return t[1:-1]
    if t in ("true", "True"):
        return True
    if t in ("false", "False"):
        return False
    try:
        return int(t)
    except ValueError:
        return t


def read_input(path):
    """The generator input: PyYAML where it is installed (FuseSoC brings it), else the two levels
    of `key: scalar` that FuseSoC writes."""
    with open(path) as f:
        text = f.read()
    try:
        import yaml

        return yaml.safe_load(text)
    except ImportError:
        pass
    data, section = {}, None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.strip().partition(":")
        if not sep:
            fail(f"cannot read {path}: `{line}`; install PyYAML")
        if line.startswith((" ", "\t")):
            if section is None:
                fail(f"cannot read {path}: `{line}`; install PyYAML")
            data[section][key] = scalar(value)
        elif value.strip():
            data[key], section = scalar(value), None
        else:
            data[key], section = {}, key
    return data


def hbfpgen():
    for candidate in (os.environ.get("HBFPGEN"), shutil.which("hbfpgen"),
                      os.path.join(ROOT, "target", "release", "hbfpgen"),
                      os.path.join(ROOT, "target", "debug", "hbfpgen")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    fail("hbfpgen not found: build it (make build in " + ROOT + "), put it on the PATH or set HBFPGEN")


def main():
    if len(sys.argv) != 2:
        fail("usage: hbfpgen_generator.py GENERATOR_INPUT.yml (FuseSoC runs it)")
    data = read_input(sys.argv[1])
    params = dict(data.get("parameters") or {})
    unit = params.pop("unit", None)
    if not unit:
        fail("the parameters need `unit`, the unit's command-line name (dot, convert, mx-convert, ...)")
    args = [hbfpgen(), "gen", str(unit)]
    for key, value in sorted(params.items()):
        if key in RESERVED:
            fail(f"parameter `{key}` is the generator's own; leave it out")
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        elif value is False or value is None:
            continue
        else:
            args += [flag, str(value)]
    args += ["--fusesoc", "--fusesoc-vlnv", data["vlnv"], "-o", "."]
    result = subprocess.run(args, capture_output=True, text=True)
    sys.stdout.write(result.stdout)
    if result.returncode != 0:
        fail(result.stderr.strip() + "\n  (command: " + " ".join(args) + ")")


if __name__ == "__main__":
    main()
