"""A stand-in for ssbsim.Result, for testing the plots without the compiled module:
reads an ssbsim HDF5 result file with h5py and offers the Result contract (the names of
python/ssbsim's Result: r[name], .variables, .cycles, .steps, .ledger, .config,
.status, .message, .title, .path). Tables are pandas DataFrames, or dicts of numpy
arrays with tables="dict" (what Result gives when pandas is not installed)."""
import h5py
import numpy as np


def _text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return "" if v is None else str(v)


class FakeResult:
    def __init__(self, path, tables="pandas"):
        self.path = str(path)
        with h5py.File(self.path, "r") as f:
            a = f.attrs
            self.status = _text(a.get("status"))
            self.message = _text(a.get("status_message"))
            self.title = _text(a.get("title")) or _text(a.get("name"))
            self.config = _text(a.get("config"))
            mass_g = float(a.get("capacity_basis_mass_kg", a.get("cam_mass_kg", 0.0))) * 1e3
            area_cm2 = float(a.get("area_m2", 0.0)) * 1e4
            ts = {k: np.asarray(f["timeseries"][k][()]) for k in f["timeseries"]}
            cy = {k: np.asarray(f["cycles"][k][()]) for k in f["cycles"]} if "cycles" in f else {}
            st = {k: np.asarray(f["steps"][k][()]) for k in f["steps"]} if "steps" in f else {}
        n = min(len(v) for v in ts.values())
        ts = {k: v[:n] for k, v in ts.items()}
        v = {
            "Time [s]": ts["time"],
            "Time [h]": ts["time"] / 3600.0,
            "Potential vs Li/Li+ [V]": ts["potential"],
            "Cell voltage [V]": ts["cell_voltage"],
            "Current [mA]": ts["current"] * 1e3,
            "Current density [mA.cm-2]": ts["current"] * 1e3 / area_cm2,
            "Capacity [mA.h/g]": ts["capacity"],
            "Capacity [mA.h]": ts["capacity"] * mass_g,
            "Step capacity [mA.h/g]": ts["step_capacity"],
            "Temperature [K]": ts["temperature"],
            "Step": ts["step"],
            "Cycle": ts["cycle"],
        }
        for h5name, name in (("contact_fraction", "Contact fraction"), ("dead_fraction", "Dead fraction"),
                             ("film_resistance", "Film resistance [ohm.m2]"),
                             ("se_oxidised", "SE oxidised [mA.h/g]"), ("mean_stoichiometry", "Mean stoichiometry")):
            if h5name in ts:
                v[name] = ts[h5name]
        self._vars = v
        self.variables = list(v)

        cycles = {"cycle": cy.get("cycle", np.array([], dtype=int))}
        for k in ("charge_capacity", "discharge_capacity", "shoulder_capacity"):
            cycles[f"{k} [mA.h/g]"] = cy.get(k, np.full(len(cycles["cycle"]), np.nan))
        for k in ("coulombic_efficiency", "energy_efficiency"):
            cycles[k] = cy.get(k, np.full(len(cycles["cycle"]), np.nan))
        steps = {
            "index": st.get("index", np.array([], dtype=int)),
            "cycle": st.get("cycle", np.array([], dtype=int)),
            "label": np.array([_text(x) for x in st.get("label", [])], dtype=object),
            "start_time [s]": st.get("start_time", np.array([])),
            "end_time [s]": st.get("end_time", np.array([])),
            "end_reason": np.array([_text(x) for x in st.get("end_reason", [])], dtype=object),
            "capacity [mA.h/g]": st.get("capacity", np.array([])),
        }
        ledger = {"cycle": cycles["cycle"]}
        for k in ("se_oxidation_reversible", "se_oxidation_irreversible", "cam_kinetic", "cam_isolated", "other"):
            if f"ledger_{k}" in cy:
                ledger[f"{k} [mA.h/g]"] = cy[f"ledger_{k}"]
        ledger["gap [mA.h/g]"] = cycles["charge_capacity [mA.h/g]"] - cycles["discharge_capacity [mA.h/g]"]
        if tables == "pandas":
            import pandas as pd
            cycles, steps, ledger = pd.DataFrame(cycles), pd.DataFrame(steps), pd.DataFrame(ledger)
        self.cycles, self.steps, self.ledger = cycles, steps, ledger

    def __getitem__(self, name):
        try:
            return self._vars[name]
        except KeyError:
            raise KeyError(f"no variable {name!r}; the result has: {', '.join(self.variables)}") from None

    def plot(self, kind="overview", **kw):
        import importlib.util
        import os
        here = os.path.dirname(os.path.abspath(__file__))
        spec = importlib.util.spec_from_file_location(
            "ssbsim_plots_fake", os.path.join(here, "..", "..", "python", "ssbsim", "plots.py"))
        plots = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(plots)
        return plots.plot(self, kind, **kw)
