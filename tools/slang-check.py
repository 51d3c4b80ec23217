#!/usr/bin/env python3
"""Compiles each design given on the command line on its own with slang (pyslang, the Python build
of the slang front-end), as `slang -Werror FILES` would, with slang's default warnings. A design is
one argument: a file, or several files separated by spaces (a testbench and its unit).

Prints every diagnostic, then one line per file (`ok FILE` or `FAIL FILE: N diagnostics`), and
exits 1 if any file has a warning or an error, 2 if pyslang is missing. `make setup` installs
pyslang into .venv; run it as `.venv/bin/python tools/slang-check.py FILE...`.
"""
import sys

try:
    from pyslang import driver
except ImportError:
    print("slang-check: pyslang is not installed; run `make setup` (pip install pyslang into .venv)",
          file=sys.stderr)
    sys.exit(2)


def check(path):
    """Whether `slang -Werror FILE` compiles it (its diagnostics are printed)."""
    d = driver.Driver()
    d.addStandardArgs()
    if not d.parseCommandLine(f"slang -Werror {path}", driver.CommandLineOptions()):
        return False
    if not d.processOptions() or not d.parseAllSources():
        return False
    return d.runFullCompilation(False)


def main():
    failed = 0
    for path in sys.argv[1:]:
        if not check(path):
            failed += 1
            print(f"FAIL {path}", flush=True)
        else:
            print(f"ok {path}", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
