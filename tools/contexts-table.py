#!/usr/bin/env python3
"""Prints the table of `make run`'s last step: the hbfp_mac unit without and with contexts, from
the report.json of each `hbfpgen synth` run (LUTs, FFs, Fmax) and the block size B: MACs per
second are B x Fmax (one block pair per cycle), per LUT as well.

usage: contexts-table.py B REPORT.json [REPORT.json ...]
"""
import json
import sys


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    block = int(sys.argv[1])
    print("| unit | contexts x loop stages | LUTs | FFs | Fmax MHz (median) | G MAC/s | M MAC/s per LUT |")
    print("|---|---|---|---|---|---|---|")
    for path in sys.argv[2:]:
        r = json.load(open(path))
        p = r["parameters"]
        fmax = r["fmax_mhz"]["median"]
        macs = block * fmax * 1e6
        print(
            f"| {r['module']} | {p.get('contexts', 1)} x {p.get('acc_stages', 1)} | {r['luts']} "
            f"| {r['ffs']} | {fmax:.1f} | {macs / 1e9:.2f} | {macs / 1e6 / r['luts']:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
