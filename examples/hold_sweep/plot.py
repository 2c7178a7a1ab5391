#!/usr/bin/env python3
"""Plot the Study A hold sweep: first-cycle CE and loss ledger vs 2.0 V hold duration.

usage: /usr/bin/python3 examples/hold_sweep/plot.py DIR/summary.csv [-o out.png]
                        [--key protocol.steps.3] [--cycle 1]

Reads the summary.csv that `ssbsim sweep examples/hold_sweep/hold_sweep.yaml -o DIR`
writes and draws two panels sharing the hold-duration axis:
  top:    first-cycle coulombic efficiency (%) vs hold duration, with the measured
          points of Kaeli et al. (docs/DOMAIN.md): CE 96.2 % after a 66 h hold at 2.0 V,
          and 87.5 +- 1.7 % after the standard 2.5 V / 33 h hold as a reference band;
  bottom: the loss ledger (charge - discharge, mAh/g NMC) stacked by term: reversible
          SE oxidation, irreversible SE oxidation, CAM kinetic, CAM isolated, other.
          Positive terms stack upwards from 0, negative ones (e.g. "other", the
          pristine-SE reduction) downwards; black dots mark the total gap. The measured
          2.5 V-hold loss (25.5 +- 6.8 mAh/g) is drawn as a reference band.
The output defaults to hold_sweep.png next to the CSV. Only complete cases are drawn;
failed ones are listed on stderr. Exit code 2 if the CSV is missing, lacks the needed
columns or has no complete case.

Needs matplotlib and numpy (Debian: python3-matplotlib python3-numpy).
"""
import argparse
import csv
import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from sweep_summary import fail as _fail, number, read_summary as _read_summary  # noqa: E402
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

PROG = "hold_sweep/plot.py"

# Kaeli et al. (Study A), docs/DOMAIN.md.
MEASURED_CE_2V = [(66.0, 96.2)]          # (hold h at 2.0 V, first-cycle CE %)
MEASURED_CE_25V = (87.5, 1.7)            # 2.5 V discharge + 33 h hold: CE %, +-
MEASURED_LOSS_25V = (25.5, 6.8)          # same cells: first-cycle loss mAh/g, +-

LEDGER = [  # (column suffix, label, colour)
    ("se_oxidation_reversible_mAh_g", "SE oxidation, reversible", "#9ecae1"),
    ("se_oxidation_irreversible_mAh_g", "SE oxidation, irreversible", "#3182bd"),
    ("cam_kinetic_mAh_g", "CAM kinetic (slow relithiation)", "#fd8d3c"),
    ("cam_isolated_mAh_g", "CAM isolated", "#a63603"),
    ("other_mAh_g", "other (pristine-SE reduction)", "#bdbdbd"),
]










def fail(message):
    _fail(PROG, message)


def read_summary(path, needed):
    return _read_summary(path, needed, PROG, "examples/hold_sweep/hold_sweep.yaml")[0]


def main():
    ap = argparse.ArgumentParser(description="First-cycle CE and loss ledger vs hold duration "
                                 "from an ssbsim sweep summary.csv.")
    ap.add_argument("csv", help="summary.csv written by ssbsim sweep")
    ap.add_argument("-o", "--output", help="PNG to write (default: hold_sweep.png next to the CSV)")
    ap.add_argument("--key", default="protocol.steps.3",
                    help="column holding the hold duration in hours (default: %(default)s)")
    ap.add_argument("--cycle", type=int, default=1, help="cycle to plot (default: 1)")
    args = ap.parse_args()

    p = f"c{args.cycle}_"
    needed = [args.key, p + "charge_mAh_g", p + "discharge_mAh_g", p + "coulombic_efficiency"]
    needed += [p + s for s, _, _ in LEDGER]
    rows = read_summary(args.csv, needed)

    hold = np.array([number(r[args.key]) for r in rows])
    order = np.argsort(hold)
    hold = hold[order]
    col = {c: np.array([number(rows[i][c]) for i in order]) for c in needed[1:]}
    ce = 100.0 * col[p + "coulombic_efficiency"]
    if np.all(np.isnan(hold)):
        fail(f"column {args.key} holds no numbers")
    if np.all(np.isnan(ce)):
        fail(f"no complete case has cycle {args.cycle}")

    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7.5, 8.0), sharex=True,
                                   gridspec_kw={"height_ratios": [1, 1.2]})

    # CE vs hold.
    m, s = MEASURED_CE_25V
    ax1.axhspan(m - s, m + s, color="0.85", zorder=0)
    ax1.axhline(m, color="0.45", ls="--", lw=1,
                label=f"measured, 2.5 V + 33 h hold: {m} ± {s} %")
    ax1.plot(hold, ce, "o-", color="C0", label="ssbsim, 2.0 V hold")
    mx, my = zip(*MEASURED_CE_2V)
    ax1.plot(mx, my, "s", ms=9, mfc="none", mec="C3", mew=2,
             label="measured, 2.0 V hold (Kaeli et al.)")
    for x, y in MEASURED_CE_2V:
        ax1.annotate(f"{y} %", (x, y), textcoords="offset points", xytext=(8, -4), color="C3")
    ax1.set_ylabel(f"cycle-{args.cycle} coulombic efficiency (%)")
    ax1.legend(loc="lower right", fontsize=8)
    ax1.grid(alpha=0.3)

    # Ledger, stacked (positives up, negatives down).
    xs = np.unique(hold[~np.isnan(hold)])
    width = 0.6 * (np.min(np.diff(xs)) if len(xs) > 1 else 1.0)
    pos = np.zeros_like(hold)
    neg = np.zeros_like(hold)
    for suffix, label, colour in LEDGER:
        v = np.nan_to_num(col[p + suffix])
        up, down = np.clip(v, 0, None), np.clip(v, None, 0)
        ax2.bar(hold, up, width, bottom=pos, color=colour, edgecolor="k", lw=0.4, label=label)
        if np.any(down < 0):
            ax2.bar(hold, down, width, bottom=neg, color=colour, edgecolor="k", lw=0.4, hatch="//")
        pos += up
        neg += down
    gap = col[p + "charge_mAh_g"] - col[p + "discharge_mAh_g"]
    ax2.plot(hold, gap, "o", color="k", ms=4, label="gap = charge − discharge")
    m, s = MEASURED_LOSS_25V
    ax2.axhspan(m - s, m + s, color="0.9", zorder=0)
    ax2.axhline(m, color="0.45", ls="--", lw=1, zorder=0,
                label=f"measured loss, 2.5 V + 33 h hold: {m} ± {s} mAh/g")
    ax2.axhline(0, color="k", lw=0.6)
    ax2.set_ylabel(f"cycle-{args.cycle} loss (mAh/g NMC)")
    ax2.set_xlabel("2.0 V hold duration (h)")
    ax2.legend(loc="upper right", fontsize=8)
    ax2.grid(alpha=0.3, axis="y")

    fig.suptitle("Study A: first-cycle CE and loss ledger vs 2.0 V hold (45 °C)")
    fig.tight_layout()
    out = args.output or os.path.join(os.path.dirname(os.path.abspath(args.csv)), "hold_sweep.png")
    fig.savefig(out, dpi=150)
    print(f"wrote {out} ({len(rows)} case(s))")


if __name__ == "__main__":
    main()

