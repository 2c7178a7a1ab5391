#!/usr/bin/python3
"""Overlay plot of a validation: measured vs simulated, from the comparison JSON that
`ssbsim validate` writes (the binary embeds this script and runs it itself).

    /usr/bin/python3 scripts/plot_validation.py DIR/comparison.json DIR/overlay.png

A time series gets three panels: potential vs capacity per compared step, dQ/dV on a
linear axis (measured bins as dots, smoothed curves as lines, discharges negative), and
the whole record V(t) with its holds and rests, measured vs simulated. render(c) builds
the figure from the parsed JSON (tests/python/test_plots.py uses it).
"""
import json
import sys

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
except ImportError:
    sys.exit(3)


def smooth(y, window=5, order=2):
    """Savitzky-Golay smoothing (numpy only) of evenly spaced samples over `window`
    samples (odd, >= order + 2; shorter series come back unchanged); ends padded with
    the end values, NaNs filled by linear interpolation first."""
    y = np.asarray(y, dtype=float)
    window = int(window) | 1
    if y.size < window or window < order + 2:
        return y.copy()
    ok = np.isfinite(y)
    if not ok.any():
        return y.copy()
    idx = np.arange(y.size)
    y = np.interp(idx, idx[ok], y[ok])
    m = window // 2
    coeff = np.linalg.pinv(np.vander(np.arange(-m, m + 1, dtype=float), order + 1, increasing=True))[0]
    return np.convolve(np.concatenate([np.full(m, y[0]), y, np.full(m, y[-1])]), coeff[::-1], mode="valid")


def fit_ylim(ax, ys, margin=0.08):
    """Finite y-limits covering every finite value in `ys` (and 0)."""
    vals = np.concatenate([np.asarray(y, dtype=float).ravel() for y in ys]) if ys else np.array([])
    vals = vals[np.isfinite(vals)]
    if not vals.size:
        return
    lo, hi = min(vals.min(), 0.0), max(vals.max(), 0.0)
    pad = margin * (hi - lo) if hi > lo else 1.0
    ax.set_ylim(lo - pad, hi + pad)


def dqdv(ax, c, window=5):
    """dQ/dV of each compared step on a linear axis: measured bins as dots, the measured
    and simulated curves smoothed over `window` bins (10 mV each) as dashed and solid
    lines. Discharges are drawn negative, so charge and discharge peaks do not overlap."""
    ys = []
    for i, cv in enumerate(c["curves"][:6]):
        colour = f"C{i % 10}"
        sign = -1.0 if "discharge" in cv.get("kind", "") else 1.0
        m, s = cv.get("dqdv_measured") or {}, cv.get("dqdv_simulated") or {}
        if m.get("potential_V"):
            v = np.asarray(m["potential_V"], dtype=float)
            y = sign * np.asarray(m["dqdv_mAh_g_V"], dtype=float)
            ax.plot(v, y, "o", ms=3, color=colour, alpha=0.7, mec="none",
                    label=f"step {cv['step']} measured")
            if v.size >= window:
                ax.plot(v, smooth(y, window), "--", lw=0.9, color=colour)
            ys.append(y)
        if s.get("potential_V"):
            v = np.asarray(s["potential_V"], dtype=float)
            y = smooth(sign * np.asarray(s["dqdv_mAh_g_V"], dtype=float), window)
            ax.plot(v, y, "-", lw=1.4, color=colour, label=f"step {cv['step']} simulated")
            ys.append(y)
    ax.axhline(0.0, color="k", lw=0.5)
    ax.set_yscale("linear")
    fit_ylim(ax, ys)
    ax.set_xlabel("potential [V vs Li/Li+]")
    ax.set_ylabel("dQ/dV [mAh/g/V] (discharge < 0)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)


def step_spans(series):
    """(kind, start h, end h) of the holds (potential constant within 2 mV, current
    flowing) and rests (current below 1 uA) of a time series from the JSON."""
    t = np.asarray(series.get("time_h", []), dtype=float)
    v = np.asarray(series.get("potential_V", []), dtype=float)
    i = np.asarray(series.get("current_mA", []), dtype=float)
    st = np.asarray(series.get("step", []))
    out = []
    if st.size != t.size or t.size < 3:
        return out
    for s in np.unique(st):
        m = st == s
        if m.sum() < 3:
            continue
        if np.nanmax(np.abs(i[m])) < 1e-3:
            out.append(("rest", t[m][0], t[m][-1]))
        elif np.nanmax(v[m]) - np.nanmin(v[m]) < 2e-3:
            out.append(("hold", t[m][0], t[m][-1]))
    merged = []  # consecutive steps of one kind (a hold split in two by the protocol) as one span
    for span in sorted(out, key=lambda x: x[1]):
        if merged and merged[-1][0] == span[0] and span[1] - merged[-1][2] < 1e-6 + 1e-3 * (span[2] - span[1]):
            merged[-1] = (span[0], merged[-1][1], span[2])
        else:
            merged.append(span)
    return merged


def time_panel(ax, c):
    """The whole record, potential vs time, holds and rests included: measured as dots,
    simulated as a line, holds (orange) and rests (green) shaded from the simulated steps
    (the simulation reproduces the record's steps); current on a right-hand axis."""
    ts = c.get("time_series") or {}
    meas, sim = ts.get("measured") or {}, ts.get("simulated") or {}
    colours = {"hold": "#fdd0a2", "rest": "#c7e9c0"}
    seen = set()
    for kind, a, b in step_spans(sim if sim.get("step") else meas):
        ax.axvspan(a, b, color=colours[kind], alpha=0.6, lw=0, zorder=0, label=None if kind in seen else kind)
        seen.add(kind)
    if meas.get("time_h"):
        ax.plot(meas["time_h"], meas["potential_V"], "o", ms=2, color="k", alpha=0.6, mec="none", label="measured")
    if sim.get("time_h"):
        ax.plot(sim["time_h"], sim["potential_V"], "-", lw=1.2, color="C3", label="simulated")
    ax.set_xlabel("time [h]")
    ax.set_ylabel("potential [V vs Li/Li+]")
    ax.grid(alpha=0.3)
    ax2 = ax.twinx()
    if meas.get("time_h"):
        ax2.plot(meas["time_h"], meas["current_mA"], "-", lw=0.6, color="0.6")
    if sim.get("time_h"):
        ax2.plot(sim["time_h"], sim["current_mA"], ":", lw=0.8, color="C0")
    ax2.set_ylabel("current [mA] (grey measured, dotted simulated)", fontsize=8)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="lower left")
    return ax2


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


def render(c):
    """The overlay figure of a comparison (the parsed JSON)."""
    if c["kind"] == "time_series":
        fig = plt.figure(figsize=(12, 8.5))
        gs = fig.add_gridspec(2, 2, height_ratios=[1, 1])
        ax = fig.add_subplot(gs[0, 0])
        ax2 = fig.add_subplot(gs[0, 1])
        ax3 = fig.add_subplot(gs[1, :])
        curves(ax, c)
        dqdv(ax2, c)
        ax2.set_title("dQ/dV (dots measured, dashed smoothed, lines simulated)", fontsize=9)
        time_panel(ax3, c)
        ax3.set_title("whole record, holds and rests included", fontsize=9)
    else:
        fig, ax = plt.subplots(figsize=(7, 4.5 if c["kind"] != "cycle_table" else 1.5 + 0.35 * len(c["rows"])))
        {"hold_table": holds, "cycle_table": table}[c["kind"]](ax, c)
    ax.set_title(c["dataset"].split("/")[-1], fontsize=9)
    fig.tight_layout()
    return fig


def main():
    with open(sys.argv[1]) as f:
        c = json.load(f)
    render(c).savefig(sys.argv[2], dpi=120)


if __name__ == "__main__":
    main()
