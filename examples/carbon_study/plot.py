#!/usr/bin/env python3
"""Plot the carbon study: SE oxidation, first-cycle CE and capacity retention vs carbon.

usage: /usr/bin/python3 examples/carbon_study/plot.py DIR/summary.csv [-o out.png]
                        [--materials configs/materials]

Reads the summary.csv that `ssbsim sweep examples/carbon_study/carbon_study.yaml -o DIR`
writes (one case per carbon, swept key cell.cathode.carbon) and draws three panels:
  left:   cycle-1 SE oxidation (gross charge, and its irreversible part) vs the carbon's
          specific surface area (SSA, log axis);
  middle: cycle-1 coulombic efficiency vs SSA (log axis);
  right:  discharge capacity vs cycle, one line per carbon; the legend gives the
          retention of the last cycle relative to cycle 1.
The SSA of each carbon is read from its material file, MATERIALS/<name>.yaml
(`specific_surface_area:`; MATERIALS defaults to configs/materials of this checkout;
for the shipped carbons a built-in copy is used, with a warning, if the file is missing).
If the sweep sets cell.cathode.carbon_specific_surface_area, that column is used
instead. The output defaults to carbon_study.png next to the CSV. Only complete cases
are drawn; failed ones are listed on stderr. A cycle without charge (a cell that no
longer cycles) has no CE. Exit code 2 if the CSV is missing, lacks the needed columns or
has no complete case.

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

PROG = "carbon_study/plot.py"
CARBON_KEY = "cell.cathode.carbon"
SSA_KEY = "cell.cathode.carbon_specific_surface_area"
HERE = os.path.dirname(os.path.realpath(__file__))
DEFAULT_MATERIALS = os.path.normpath(os.path.join(HERE, "..", "..", "configs", "materials"))
# Fallback when a material file cannot be read (copied from configs/materials/, m2/g).
BUILTIN_SSA = {"CNF": 24.0, "SuperP": 62.0, "CNT": 315.0, "KetjenBlack": 1010.0, "C65": 62.0}
NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")
CYCLE_COLUMN = re.compile(r"^c(\d+)_discharge_mAh_g$")




def warn(message):
    print(f"{PROG}: warning: {message}", file=sys.stderr)




def ssa_m2_per_g(text):
    """'62 m2/g', '62000 m2/kg' or a bare SI number (m2/kg) as m2/g; NaN if unreadable."""
    m = NUMBER.match(text.strip().strip("\"'")) if text else None
    if not m:
        return math.nan
    value, unit = float(m.group(1)), m.group(2).replace(" ", "")
    if unit == "m2/g":
        return value
    if unit in ("", "m2/kg"):
        return value / 1000.0
    return math.nan


def ssa_from_material(name, materials):
    """specific_surface_area of configs/materials/<name>.yaml in m2/g (NaN if not found)."""
    path = name if name.endswith((".yaml", ".yml")) else os.path.join(materials, name + ".yaml")
    try:
        with open(path) as f:
            for line in f:
                m = re.match(r"^specific_surface_area:\s*(.+?)\s*(#.*)?$", line)
                if m:
                    return ssa_m2_per_g(m.group(1))
    except OSError:
        pass
    return math.nan


def fail(message):
    _fail(PROG, message)


def read_summary(path):
    """(complete rows, swept-parameter columns, number of cycles); exits 2 on problems."""
    needed = ["c1_coulombic_efficiency", "c1_se_oxidation_charge_mAh_g",
              "c1_se_oxidation_irreversible_mAh_g", "c1_discharge_mAh_g"]
    good, columns = _read_summary(
        path, needed, PROG, "examples/carbon_study/carbon_study.yaml",
        describe=lambda r: f" ({r.get(CARBON_KEY, r.get(SSA_KEY, '?'))})")
    if CARBON_KEY not in columns and SSA_KEY not in columns:
        fail(f"{path} has no column {CARBON_KEY} (or {SSA_KEY}); is it the summary.csv of this sweep?")
    cycles = sorted(int(m.group(1)) for m in map(CYCLE_COLUMN.match, columns) if m)
    first_metric = min(i for i, c in enumerate(columns) if re.match(r"^c\d+_", c))
    swept = columns[columns.index("message") + 1:first_metric] if "message" in columns else [CARBON_KEY]
    return good, swept, cycles[-1]


def main():
    ap = argparse.ArgumentParser(description="SE oxidation, CE and capacity retention vs carbon "
                                 "type from an ssbsim sweep summary.csv.")
    ap.add_argument("csv", help="summary.csv written by ssbsim sweep")
    ap.add_argument("-o", "--output", help="PNG to write (default: carbon_study.png next to the CSV)")
    ap.add_argument("--materials", default=DEFAULT_MATERIALS,
                    help="folder of the carbon material files (default: %(default)s)")
    args = ap.parse_args()

    rows, swept, ncyc = read_summary(args.csv)

    ssa = []
    for r in rows:
        if SSA_KEY in r:
            s = ssa_m2_per_g(r[SSA_KEY])
            if math.isnan(s):
                warn(f"case {r['case']}: cannot read {SSA_KEY} '{r[SSA_KEY]}'; left out of the SSA panels")
        else:
            s = ssa_from_material(r[CARBON_KEY], args.materials)
            if math.isnan(s) and r[CARBON_KEY] in BUILTIN_SSA:
                s = BUILTIN_SSA[r[CARBON_KEY]]
                warn(f"cannot read the SSA of '{r[CARBON_KEY]}' in {args.materials}; "
                     f"using {s:g} m2/g built into plot.py")
            elif math.isnan(s):
                warn(f"no specific surface area for carbon '{r[CARBON_KEY]}' (looked in "
                     f"{args.materials}); left out of the SSA panels")
        ssa.append(s)
    ssa = np.array(ssa)

    # One label per case: the carbon (or the swept SSA), plus any other swept value.
    others = [k for k in swept if k not in (CARBON_KEY, SSA_KEY)]
    labels = []
    for r, s in zip(rows, ssa):
        head = [r[CARBON_KEY]] if CARBON_KEY in r else []
        if SSA_KEY in r:
            head.append(f"{s:.4g} m²/g")
        labels.append(" ".join(head + [r[k] for k in others]))

    se_ox = np.array([number(r["c1_se_oxidation_charge_mAh_g"]) for r in rows])
    se_irr = np.array([number(r["c1_se_oxidation_irreversible_mAh_g"]) for r in rows])
    ce1 = np.array([number(r["c1_coulombic_efficiency"]) for r in rows])
    ch1 = np.array([number(r.get("c1_charge_mAh_g")) for r in rows])
    ce1 = np.where(ch1 > 0, 100.0 * ce1, np.nan)

    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(15, 4.8))
    colours = [f"C{i % 10}" for i in range(len(rows))]
    order = np.argsort(np.where(np.isnan(ssa), np.inf, ssa))
    ok = order[~np.isnan(ssa[order])]

    # SE oxidation vs SSA.
    ax1.plot(ssa[ok], se_ox[ok], "-", color="0.6", zorder=1)
    ax1.plot(ssa[ok], se_irr[ok], "--", color="0.6", zorder=1)
    for i in ok:
        ax1.plot(ssa[i], se_ox[i], "o", color=colours[i], ms=8)
        ax1.plot(ssa[i], se_irr[i], "v", color=colours[i], ms=7, mfc="none", mew=1.5)
        ax1.annotate(labels[i], (ssa[i], se_ox[i]), textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax1.plot([], [], "o", color="0.3", label="SE oxidation, gross charge")
    ax1.plot([], [], "v", color="0.3", mfc="none", label="of which irreversible")
    ax1.set_xscale("log")
    ax1.set_xlabel("carbon specific surface area (m²/g)")
    ax1.set_ylabel("cycle-1 SE oxidation (mAh/g CAM)")
    ax1.set_title("SE oxidation, cycle 1")
    ax1.legend(fontsize=8, loc="upper left")
    ax1.text(0.03, 0.80, "measured ranking of SE decomposition\n(Wang et al., Study B): CNF < SP < CNT < KB",
             transform=ax1.transAxes, fontsize=8, va="top", color="0.3")
    ax1.grid(alpha=0.3, which="both")

    # CE vs SSA.
    ax2.plot(ssa[ok], ce1[ok], "-", color="0.6", zorder=1)
    for i in ok:
        ax2.plot(ssa[i], ce1[i], "o", color=colours[i], ms=8)
        ax2.annotate(labels[i], (ssa[i], ce1[i]), textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax2.set_xscale("log")
    ax2.set_xlabel("carbon specific surface area (m²/g)")
    ax2.set_ylabel("cycle-1 coulombic efficiency (%)")
    ax2.set_title("first-cycle CE")
    ax2.grid(alpha=0.3, which="both")

    # Discharge capacity vs cycle.
    cyc = np.arange(1, ncyc + 1)
    for i in order:
        r = rows[i]
        q = np.array([number(r.get(f"c{n}_discharge_mAh_g")) for n in cyc])
        have = ~np.isnan(q)
        last = int(cyc[have][-1]) if np.any(have) else 1
        ret = 100.0 * q[last - 1] / q[0] if q[0] > 0 else math.nan
        ax3.plot(cyc[have], q[have], "o-", color=colours[i],
                 label=f"{labels[i]}: {ret:.0f} % after {last} cycles" if not math.isnan(ret) else labels[i])
    ax3.set_xticks(cyc)
    ax3.set_xlabel("cycle")
    ax3.set_ylabel("discharge capacity (mAh/g CAM)")
    ax3.set_title("capacity retention")
    ax3.set_ylim(bottom=0)
    ax3.legend(fontsize=8, loc="center right")
    ax3.grid(alpha=0.3)

    fig.suptitle("Study A cell (NMC532 | LPSC | carbon 60:35:5 wt%, 45 °C, C/10): carbon type")
    fig.tight_layout()
    out = args.output or os.path.join(os.path.dirname(os.path.abspath(args.csv)), "carbon_study.png")
    fig.savefig(out, dpi=150)
    print(f"wrote {out} ({len(rows)} case(s))")


if __name__ == "__main__":
    main()
