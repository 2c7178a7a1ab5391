#!/usr/bin/env python3
"""Plot the Study A hold sweep at several temperatures: CE and loss terms vs hold duration.

usage: /usr/bin/python3 examples/temperature/plot.py DIR/summary.csv [-o out.png]
                        [--key protocol.steps.3] [--group cell.temperature] [--cycle 1]

Reads the summary.csv that `ssbsim sweep examples/temperature/temperature.yaml -o DIR`
writes (a grid over cell.temperature and the 2.0 V hold duration) and draws two panels
sharing the hold-duration axis, one line per temperature:
  top:    first-cycle coulombic efficiency (%) vs hold duration, with the measured points
          of Kaeli et al. (docs/DOMAIN.md, first cycle at 45 degC): CE 96.2 % after 66 h
          at 2.0 V, and 87.5 +- 1.7 % after the standard 2.5 V / 33 h hold as a band;
  bottom: the loss-ledger terms that the hold and the temperature move (mAh/g NMC):
          CAM kinetic (solid), reversible SE oxidation (dashed) and irreversible SE
          oxidation (dotted).
Temperatures are ordered by value ("30 degC", "303.15 K" or a bare number in K) and
labelled as written in the CSV. The output defaults to temperature.png next to the CSV.
Only complete cases are drawn; failed ones are listed on stderr. Exit code 2 if the CSV
is missing, lacks the needed columns or has no complete case.

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

PROG = "temperature/plot.py"

# Kaeli et al. (Study A), docs/DOMAIN.md; the first cycle was run at 45 degC.
MEASURED_CE_2V = [(66.0, 96.2)]          # (hold h at 2.0 V, first-cycle CE %)
MEASURED_CE_25V = (87.5, 1.7)            # 2.5 V discharge + 33 h hold: CE %, +-

TERMS = [  # (column suffix, label, line style)
    ("cam_kinetic_mAh_g", "CAM kinetic", "-"),
    ("se_oxidation_reversible_mAh_g", "SE oxidation, reversible", "--"),
    ("se_oxidation_irreversible_mAh_g", "SE oxidation, irreversible", ":"),
]

NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")






def kelvin(text):
    """'30 degC', '303.15 K' or a bare number (K) as kelvin, for ordering; NaN if unknown."""
    m = NUMBER.match(text or "")
    if not m:
        return math.nan
    value, unit = float(m.group(1)), m.group(2).replace("°", "deg")
    return {"": value, "K": value, "degC": value + 273.15, "degF": (value - 32) / 1.8 + 273.15}.get(unit, math.nan)





def fail(message):
    _fail(PROG, message)


def read_summary(path, needed):
    return _read_summary(path, needed, PROG, "examples/temperature/temperature.yaml")[0]


def main():
    ap = argparse.ArgumentParser(description="First-cycle CE and loss terms vs hold duration, one "
                                 "line per temperature, from an ssbsim sweep summary.csv.")
    ap.add_argument("csv", help="summary.csv written by ssbsim sweep")
    ap.add_argument("-o", "--output", help="PNG to write (default: temperature.png next to the CSV)")
    ap.add_argument("--key", default="protocol.steps.3",
                    help="column holding the hold duration in hours (default: %(default)s)")
    ap.add_argument("--group", default="cell.temperature",
                    help="column that makes one line per value (default: %(default)s)")
    ap.add_argument("--cycle", type=int, default=1, help="cycle to plot (default: 1)")
    args = ap.parse_args()

    p = f"c{args.cycle}_"
    needed = [args.key, args.group, p + "coulombic_efficiency"] + [p + s for s, _, _ in TERMS]
    rows = read_summary(args.csv, needed)

    groups = {}
    for r in rows:
        groups.setdefault(r[args.group], []).append(r)
    names = sorted(groups, key=lambda g: (math.isnan(kelvin(g)), kelvin(g), g))
    cmap = matplotlib.colors.LinearSegmentedColormap.from_list("cold_hot", ["#1f77b4", "#9467bd", "#d62728"])
    colours = {g: cmap(i / max(1, len(names) - 1)) for i, g in enumerate(names)}
    # A bare number in the group column is SI (kelvin for a temperature range).
    shown = {g: (f"{g} K" if args.group == "cell.temperature" and re.fullmatch(r"\s*[-+0-9.eE]+\s*", g) else g)
             for g in names}

    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7.5, 8.0), sharex=True)

    m, s = MEASURED_CE_25V
    ax1.axhspan(m - s, m + s, color="0.88", zorder=0)
    ax1.axhline(m, color="0.45", ls="--", lw=1, zorder=0,
                label=f"measured, 2.5 V + 33 h hold, 45 °C: {m} ± {s} %")
    plotted = 0
    for g in names:
        rs = groups[g]
        hold = np.array([number(r[args.key]) for r in rs])
        order = np.argsort(hold)
        hold = hold[order]
        ce = np.array([100.0 * number(rs[i][p + "coulombic_efficiency"]) for i in order])
        have = ~np.isnan(hold) & ~np.isnan(ce)
        if not np.any(have):
            continue
        plotted += 1
        ax1.plot(hold[have], ce[have], "o-", color=colours[g], label=f"ssbsim, {shown[g]}")
        for suffix, label, ls in TERMS:
            v = np.array([number(rs[i][p + suffix]) for i in order])
            ax2.plot(hold[have], v[have], ls, marker="o", ms=3, color=colours[g])
    if plotted == 0:
        fail(f"no complete case has cycle {args.cycle} and a number in {args.key}")
    mx, my = zip(*MEASURED_CE_2V)
    ax1.plot(mx, my, "s", ms=9, mfc="none", mec="k", mew=2, label="measured, 2.0 V hold, 45 °C")
    for x, y in MEASURED_CE_2V:
        ax1.annotate(f"{y} %", (x, y), textcoords="offset points", xytext=(8, -4))
    ax1.set_ylabel(f"cycle-{args.cycle} coulombic efficiency (%)")
    ax1.legend(loc="lower right", fontsize=8)
    ax1.grid(alpha=0.3)

    # Legend for panel 2: colours = groups, line styles = terms.
    for g in names:
        ax2.plot([], [], "-", color=colours[g], lw=6, label=shown[g])
    for _, label, ls in TERMS:
        ax2.plot([], [], ls, color="0.3", label=label)
    ax2.set_ylim(bottom=min(0.0, ax2.get_ylim()[0]))
    ax2.set_ylabel(f"cycle-{args.cycle} loss term (mAh/g NMC)")
    ax2.set_xlabel("2.0 V hold duration (h)")
    ax2.legend(loc="upper right", fontsize=8, ncol=2)
    ax2.grid(alpha=0.3)

    fig.suptitle(f"Study A: first-cycle CE vs 2.0 V hold at {', '.join(shown[g] for g in names)}")
    fig.tight_layout()
    out = args.output or os.path.join(os.path.dirname(os.path.abspath(args.csv)), "temperature.png")
    fig.savefig(out, dpi=150)
    print(f"wrote {out} ({len(rows)} case(s))")


if __name__ == "__main__":
    main()

