#!/usr/bin/python3
"""The plots users make first, from an ssbsim HDF5 result file, as PNG files.

usage: /usr/bin/python3 scripts/plot_cycles.py RESULT.h5 [-o OUTDIR] [--prefix NAME]
           [--kind overview,capacity,potential,time,ledger,dqdv] [--cycle N ...]
           [--smoothing 0.03]

Writes OUTDIR/NAME_<kind>.png for each kind (default: all six):
  capacity   charge/discharge capacity vs cycle, retention (vs cycle 1 discharge), CE
  potential  potential vs capacity per cycle, charge and discharge, coloured by cycle
  time       potential and current vs time, holds and rests shaded and labelled
  ledger     the loss ledger per cycle as stacked bars
  dqdv       dQ/dV on a linear axis, smoothed over --smoothing volts (0: raw)
  overview   four of these on one page
The figures are those of the Python package (python/ssbsim/plots.py). The result is read
with ssbsim.load when the compiled module is importable, else with h5py directly.
OUTDIR defaults to the result's directory, NAME to its stem. Exit code 2 when the file
is missing or not an ssbsim result with a time series.

Needs matplotlib, numpy and h5py (Debian: python3-matplotlib python3-numpy python3-h5py).
"""
import argparse
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
KINDS = ("overview", "capacity", "potential", "time", "ledger", "dqdv")

try:
    import matplotlib
    matplotlib.use("Agg")
    import numpy as np
except ImportError as e:
    sys.exit(f"plot_cycles.py: {e}; install python3-matplotlib and python3-numpy")


def load_plots():
    """python/ssbsim/plots.py, loaded by path (works without the compiled module)."""
    path = os.path.join(ROOT, "python", "ssbsim", "plots.py")
    if os.path.isfile(path):
        spec = importlib.util.spec_from_file_location("ssbsim_plots_script", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    import ssbsim.plots  # an installed package
    return ssbsim.plots


class ResultError(Exception):
    pass


def _text(v):
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else ("" if v is None else str(v))


class FileResult:
    """The part of the ssbsim.Result contract the plots use, read with h5py."""

    def __init__(self, path):
        import h5py
        if not os.path.isfile(path):
            raise ResultError(f"no such file: {path}")
        try:
            f = h5py.File(path, "r")
        except OSError as e:
            raise ResultError(f"cannot open {path} as HDF5: {e}") from None
        with f:
            if _text(f.attrs.get("generator")) != "ssbsim":
                raise ResultError(f"{path} is not an ssbsim result file (root attribute generator missing)")
            self.path, self.status = path, _text(f.attrs.get("status"))
            self.message = _text(f.attrs.get("status_message"))
            self.title = _text(f.attrs.get("title")) or _text(f.attrs.get("name"))
            g = f.get("timeseries")
            need = ("time", "potential", "current", "capacity", "step", "cycle")
            if not isinstance(g, h5py.Group) or any(k not in g for k in need):
                raise ResultError(f"{path} has no /timeseries group (or it is incomplete)")
            ts = {k: np.asarray(g[k][()]) for k in need}
            cy = {k: np.asarray(f["cycles"][k][()]) for k in f["cycles"]} if "cycles" in f else {}
            st = {k: np.asarray(f["steps"][k][()]) for k in f["steps"]} if "steps" in f else {}
        n = min(len(v) for v in ts.values())
        if n == 0:
            raise ResultError(f"{path} has an empty time series (run status: {self.status})")
        ts = {k: v[:n] for k, v in ts.items()}
        self._v = {"Time [s]": ts["time"], "Time [h]": ts["time"] / 3600.0, "Potential vs Li/Li+ [V]": ts["potential"],
                   "Current [mA]": ts["current"] * 1e3, "Capacity [mA.h/g]": ts["capacity"], "Step": ts["step"],
                   "Cycle": ts["cycle"]}
        self.variables = list(self._v)
        nc = len(cy.get("cycle", []))
        self.cycles = {"cycle": cy.get("cycle", np.arange(1, nc + 1))}
        for k in ("charge_capacity", "discharge_capacity"):
            self.cycles[f"{k} [mA.h/g]"] = cy.get(k, np.full(nc, np.nan))
        self.cycles["coulombic_efficiency"] = cy.get("coulombic_efficiency", np.full(nc, np.nan))
        self.steps = {"label": [_text(x) for x in st.get("label", [])],
                      "start_time [s]": st.get("start_time", np.array([])),
                      "end_time [s]": st.get("end_time", np.array([]))}
        self.ledger = {"cycle": self.cycles["cycle"]}
        for k in ("se_oxidation_reversible", "se_oxidation_irreversible", "cam_kinetic", "cam_isolated", "other"):
            if f"ledger_{k}" in cy:
                self.ledger[f"{k} [mA.h/g]"] = cy[f"ledger_{k}"]

    def __getitem__(self, name):
        return self._v[name]


def load(path):
    """ssbsim.load(path) when the compiled module imports, else FileResult(path)."""
    for p in (os.path.join(ROOT, "build", "python"), os.path.join(ROOT, "python")):
        if os.path.isdir(p) and p not in sys.path:
            sys.path.append(p)
    try:
        import ssbsim
        loader = ssbsim.load
    except (ImportError, AttributeError):
        return FileResult(path)
    if not os.path.isfile(path):
        raise ResultError(f"no such file: {path}")
    try:
        return loader(path)
    except Exception as e:  # ssbsim.Error and friends: report like the h5py reader does
        raise ResultError(str(e)) from None


def main(argv=None):
    ap = argparse.ArgumentParser(description="Plot an ssbsim result file: capacity, potential, time, ledger, dQ/dV.")
    ap.add_argument("result", metavar="RESULT.h5")
    ap.add_argument("-o", "--outdir", help="output directory (default: the result's)")
    ap.add_argument("--prefix", help="file name prefix (default: the result's stem)")
    ap.add_argument("--kind", default=",".join(KINDS), help="comma-separated, from " + ", ".join(KINDS))
    ap.add_argument("--cycle", type=int, nargs="+", help="cycles for the potential and dQ/dV plots (default all)")
    ap.add_argument("--smoothing", type=float, default=0.03, help="dQ/dV smoothing window [V] (0: none)")
    a = ap.parse_args(argv)
    kinds = [k.strip() for k in a.kind.split(",") if k.strip()]
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        print(f"plot_cycles.py: error: unknown --kind {', '.join(bad)} (expected some of {', '.join(KINDS)})",
              file=sys.stderr)
        return 2
    try:
        r = load(a.result)
    except ResultError as e:
        print(f"plot_cycles.py: error: {e}", file=sys.stderr)
        return 2
    plots = load_plots()
    make = {"overview": lambda: plots.overview(r), "capacity": lambda: plots.capacity_vs_cycle(r),
            "potential": lambda: plots.potential_vs_capacity(r, cycles=a.cycle),
            "time": lambda: plots.voltage_current_vs_time(r), "ledger": lambda: plots.ledger_bars(r),
            "dqdv": lambda: plots.dqdv(r, cycle=a.cycle, smoothing=a.smoothing)}
    outdir = a.outdir or os.path.dirname(os.path.abspath(a.result))
    prefix = a.prefix or os.path.splitext(os.path.basename(a.result))[0]
    os.makedirs(outdir, exist_ok=True)
    for k in kinds:
        path = os.path.join(outdir, f"{prefix}_{k}.png")
        make[k]().savefig(path, dpi=130)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
