#!/usr/bin/env python3
"""Plot an ssbsim HDF5 result file as PNG figures.

usage: python3 scripts/plot_result.py RESULT.h5 [-o OUTDIR] [--prefix NAME]

Writes two figures:
  OUTDIR/NAME_potential_capacity.png  potential vs Li/Li+ against specific capacity,
      one curve per charge and per discharge half of each cycle (capacity restarts
      at 0 for each half; colour = cycle, solid = charge, dashed = discharge);
  OUTDIR/NAME_time.png  potential and current against time in hours, with the step
      boundaries as faint vertical lines.
OUTDIR defaults to the directory of the result file, NAME to its stem.  Runs that
did not complete (root attribute `status` != "complete") are plotted too, with the
status in the figure title.  The title is the file's `title` attribute (from the
resolved materials, temperature and pressure; older files: `name`).  Exit code 2 if the file is missing, is not an ssbsim
result file, or has no time series.

Needs h5py, matplotlib and numpy (Debian: python3-h5py python3-matplotlib python3-numpy).
For capacity/CE/retention vs cycle, the loss ledger, dQ/dV and an overview page (the
figures of the Python package's ssbsim.plots), use scripts/plot_cycles.py.
"""
import argparse
import os
import sys
import textwrap

try:
    import h5py
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
except ImportError as e:
    sys.exit(f"plot_result.py: {e}; install python3-h5py, python3-matplotlib and python3-numpy")

SERIES = ("time", "potential", "current", "capacity", "step_capacity", "step", "cycle")


class ResultError(Exception):
    """The input is not a plottable ssbsim result file."""


def text(value):
    """Attribute or dataset value as str (h5py may return bytes)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def load(path):
    """Read the root attributes and the time series needed for plotting."""
    if not os.path.isfile(path):
        raise ResultError(f"no such file: {path}")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise ResultError(f"cannot open {path} as HDF5: {e}") from None
    with f:
        gen = text(f.attrs.get("generator"))
        if gen != "ssbsim":
            raise ResultError(f"{path} is not an ssbsim result file (root attribute generator: {gen or 'missing'})")
        meta = {k: text(f.attrs.get(k)) for k in ("name", "title", "status", "status_message")}
        ts = f.get("timeseries")
        if not isinstance(ts, h5py.Group) or any(k not in ts for k in SERIES):
            raise ResultError(f"{path} has no /timeseries group (or it is incomplete)")
        data = {k: np.asarray(ts[k][()]) for k in SERIES}
    n = min(len(v) for v in data.values())  # an interrupted write may leave ragged lengths
    if n == 0:
        why = f" (run status: {meta['status']}: {meta['status_message']})" if meta["status"] != "complete" else ""
        raise ResultError(f"{path} has an empty time series{why}")
    return meta, {k: v[:n] for k, v in data.items()}


def title(meta):
    # The title attribute is built from the resolved values (materials, temperature,
    # pressure), so a --set override shows; the free-text name may still say otherwise.
    t = meta["title"] or meta["name"] or "ssbsim result"
    if meta["status"] != "complete":
        status = f"status: {meta['status'] or 'unknown'}"
        if meta["status_message"]:
            status += ": " + textwrap.shorten(meta["status_message"], width=160, placeholder=" ...")
        t += "\n" + textwrap.fill(f"[{status}]", width=90)
    return t


def step_directions(d):
    """Map step index -> +1 (charge), -1 (discharge) or 0 (rest), from the sign of the
    capacity passed in the step (last step_capacity sample; also works for an unfinished step)."""
    out = {}
    for s in np.unique(d["step"]):
        q = d["step_capacity"][d["step"] == s][-1]
        out[int(s)] = 0 if abs(q) < 1e-6 else int(np.sign(q))
    return out


def plot_potential_capacity(meta, d, path):
    direction = step_directions(d)
    sample_dir = np.array([direction[int(s)] for s in d["step"]])
    cycles = np.unique(d["cycle"])
    cmap = plt.get_cmap("tab10" if len(cycles) <= 10 else "viridis")
    colour = {c: cmap(i if len(cycles) <= 10 else i / max(len(cycles) - 1, 1)) for i, c in enumerate(cycles)}
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for c in cycles:
        for sgn, style, label in ((1, "-", "charge"), (-1, "--", "discharge")):
            mask = (d["cycle"] == c) & (sample_dir == sgn)
            if not mask.any():
                continue
            q = d["capacity"][mask]
            ax.plot(np.abs(q - q[0]), d["potential"][mask], style, color=colour[c],
                    label=f"cycle {c} {label}" if len(cycles) <= 10 else None)
    if len(cycles) > 10:
        sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(cycles[0], cycles[-1]))
        fig.colorbar(sm, ax=ax, label="cycle")
        ax.plot([], [], "k-", label="charge")
        ax.plot([], [], "k--", label="discharge")
    ax.set_xlabel("Capacity (mAh/g CAM)")
    ax.set_ylabel("Potential (V vs Li/Li$^+$)")
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small", ncol=2 if len(cycles) > 3 else 1)
    ax.set_title(title(meta), fontsize="medium")
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


def plot_time(meta, d, path):
    hours = d["time"] / 3600.0
    boundaries = hours[1:][np.diff(d["step"]) != 0]
    fig, (ax_v, ax_i) = plt.subplots(2, 1, sharex=True, figsize=(9, 6.5))
    ax_v.plot(hours, d["potential"], color="C0")
    ax_v.set_ylabel("Potential (V vs Li/Li$^+$)")
    ax_i.plot(hours, d["current"] * 1e3, color="C3")
    ax_i.axhline(0.0, color="k", lw=0.5)
    ax_i.set_ylabel("Current (mA, + = charge)")
    ax_i.set_xlabel("Time (h)")
    for ax in (ax_v, ax_i):
        for t in boundaries:
            ax.axvline(t, color="0.4", lw=0.8, alpha=0.4)
        ax.grid(axis="y", alpha=0.3)  # vertical lines are reserved for step boundaries
    ax_v.set_title(title(meta), fontsize="medium")
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Plot an ssbsim HDF5 result file as PNG figures.")
    ap.add_argument("result", metavar="RESULT.h5", help="ssbsim result file (.h5)")
    ap.add_argument("-o", "--outdir", metavar="OUTDIR", help="output directory (default: directory of RESULT)")
    ap.add_argument("--prefix", metavar="NAME", help="file name prefix (default: stem of RESULT)")
    args = ap.parse_args(argv)
    try:
        meta, data = load(args.result)
    except ResultError as e:
        print(f"plot_result.py: error: {e}", file=sys.stderr)
        return 2
    outdir = args.outdir or os.path.dirname(os.path.abspath(args.result))
    prefix = args.prefix or os.path.splitext(os.path.basename(args.result))[0]
    os.makedirs(outdir, exist_ok=True)
    written = []
    for suffix, plot in (("potential_capacity", plot_potential_capacity), ("time", plot_time)):
        path = os.path.join(outdir, f"{prefix}_{suffix}.png")
        plot(meta, data, path)
        written.append(path)
    print("\n".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
