#!/usr/bin/python3
"""Overlay plot of a validation: measured vs simulated, from the comparison JSON that
`ssbsim validate` writes (the binary embeds this script and runs it itself).

    /usr/bin/python3 scripts/plot_validation.py DIR/comparison.json DIR/overlay.png
"""
import json
import sys

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit(3)


def dqdv(ax, c):
    for i, cv in enumerate(c["curves"][:6]):
        colour = f"C{i % 10}"
        m, s = cv.get("dqdv_measured"), cv.get("dqdv_simulated")
        if m and m["potential_V"]:
            ax.plot(m["potential_V"], m["dqdv_mAh_g_V"], ".", ms=2, color=colour, alpha=0.5)
        if s and s["potential_V"]:
            ax.plot(s["potential_V"], s["dqdv_mAh_g_V"], "-", lw=1, color=colour)
    ax.set_xlabel("potential [V vs Li/Li+]")
    ax.set_ylabel("dQ/dV [mAh/g/V]")
    ax.set_yscale("log")


def curves(ax, c):
    for i, cv in enumerate(c["curves"]):
        colour = f"C{i % 10}"
        q = cv["capacity_mAh_g"]
        ax.plot(q, cv["measured_V"], "o", ms=3, color=colour, alpha=0.6,
                label=f"step {cv['step']} measured" if i < 6 else None)
        ax.plot(q, cv["simulated_V"], "-", color=colour,
                label=f"step {cv['step']} simulated ({1000 * (cv['rmse_V'] or 0):.1f} mV)" if i < 6 else None)
    ax.set_xlabel("capacity from step start [mAh/g]")
    ax.set_ylabel("potential [V vs Li/Li+]")
    ax.legend(fontsize=7)


def holds(ax, c):
    rows = [r for r in c["rows"] if r["hold_duration_h"] is not None]
    for v in sorted({r["hold_potential_V"] for r in rows}, key=lambda x: (x is None, x)):
        sel = sorted((r for r in rows if r["hold_potential_V"] == v), key=lambda r: r["hold_duration_h"])
        h = [r["hold_duration_h"] for r in sel]
        label = f"{v:g} V" if v is not None else "config potential"
        ax.errorbar(h, [100 * r["measured"] for r in sel], yerr=[100 * r["sigma"] for r in sel], fmt="o",
                    capsize=3, label=f"measured, {label}")
        ax.plot(h, [100 * r["simulated"] if r["simulated"] is not None else float("nan") for r in sel], "s--",
                label=f"simulated, {label}")
    ax.set_xlabel("hold duration [h]")
    ax.set_ylabel("Coulombic efficiency [%]")
    ax.legend(fontsize=8)


def table(ax, c):
    rows = c["rows"]
    labels = [f"{r['metric']} (c{r['cycle']})" for r in rows]
    ratio = [(r["simulated"] / r["measured"]) if r["simulated"] is not None and r["measured"] else float("nan")
             for r in rows]
    err = [(r["sigma"] / abs(r["measured"])) if r["measured"] else 0 for r in rows]
    y = range(len(rows))
    ax.axvline(1.0, color="grey", lw=1)
    ax.errorbar([1.0] * len(rows), y, xerr=err, fmt="o", color="k", capsize=3, label="measured (1 sigma)")
    ax.plot(ratio, y, "s", color="C3", label="simulated")
    ax.set_yticks(list(y))
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel("value / measured")
    ax.legend(fontsize=8)


def main():
    with open(sys.argv[1]) as f:
        c = json.load(f)
    if c["kind"] == "time_series":
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
        curves(ax, c)
        dqdv(ax2, c)
        ax2.set_title("dQ/dV (dots measured, lines simulated)", fontsize=9)
    else:
        fig, ax = plt.subplots(figsize=(7, 4.5 if c["kind"] != "cycle_table" else 1.5 + 0.35 * len(c["rows"])))
        {"hold_table": holds, "cycle_table": table}[c["kind"]](ax, c)
    ax.set_title(c["dataset"].split("/")[-1], fontsize=9)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=120)


if __name__ == "__main__":
    main()
