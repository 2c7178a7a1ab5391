"""A run's results, named the way PyBaMM names them: ``r["Potential vs Li/Li+ [V]"]``.

A Result comes from ``ssbsim.run`` (in memory, or also written to HDF5) or ``ssbsim.load``
(any result file, including one of a run that was killed: it is read up to the rows every
series has). The numbers are the library's own doubles, unchanged, so a run and the load of
its file agree to the last digit.

Sign convention as everywhere in ssbsim: current and capacity are positive on charge
(oxidation of the cathode). Specific values are per gram of the capacity basis (the CAM,
or the cell's reference loading); absolute values multiply by that mass (basis loading x
area), so "Capacity [mA.h]" is what a cycler shows.

Tables (``cycles``, ``steps``, ``ledger``) are pandas DataFrames when pandas imports, else
dicts of numpy arrays (same column names):

* cycles: "cycle", "charge_capacity [mA.h/g]", "discharge_capacity [mA.h/g]",
  "coulombic_efficiency" (fraction), "shoulder_capacity [mA.h/g]",
  "charge_capacity [mA.h]", "discharge_capacity [mA.h]", "charge_energy [mW.h/g]",
  "discharge_energy [mW.h/g]", "energy_efficiency" (fraction), and with the chemistry on
  "dead_fraction".
* steps: "index" (0-based, as "Step" in the time series), "cycle", "label",
  "start_time [s]", "end_time [s]", "duration [h]", "capacity [mA.h/g]", "capacity [mA.h]",
  "energy [mW.h/g]", "end_potential [V]", "end_current [mA]", "end_reason".
* ledger (one row per cycle; no rows when the SE chemistry is off): "cycle",
  "gap [mA.h/g]" (charge minus discharge), the five terms that sum to it
  "se_oxidation_reversible [mA.h/g]", "se_oxidation_irreversible [mA.h/g]",
  "cam_kinetic [mA.h/g]", "cam_isolated [mA.h/g]", "other [mA.h/g]", then
  "se_oxidation_charge [mA.h/g]", "se_reduction [mA.h/g]", and the reversible and
  irreversible SE oxidation by site: "carbon_reversible [mA.h/g]", "tpb_reversible [mA.h/g]",
  "cam_reversible [mA.h/g]", "carbon_irreversible [mA.h/g]", ...
"""

import numpy as np

try:  # pandas is optional
    import pandas as _pd
except ImportError:  # pragma: no cover - exercised on machines without python3-pandas
    _pd = None

LEDGER_TERMS = (
    "se_oxidation_reversible [mA.h/g]",
    "se_oxidation_irreversible [mA.h/g]",
    "cam_kinetic [mA.h/g]",
    "cam_isolated [mA.h/g]",
    "other [mA.h/g]",
)

_CHEMISTRY_SERIES = ("Contact fraction", "Dead fraction", "Film resistance [ohm.m2]", "SE oxidised [mA.h/g]")


def _table(columns):
    if _pd is not None:
        return _pd.DataFrame(columns)
    return columns


def _yaml_dict(text):
    if not text:
        return {}
    import yaml

    return yaml.safe_load(text) or {}


class Result:
    """Named variables (``r[name]`` -> numpy array, names in ``r.variables``), the per-cycle,
    per-step and ledger tables, the resolved config and the run's status."""

    def __init__(self, raw):
        self._raw = raw
        self.status = raw["status"]
        self.message = raw["message"]
        self.title = raw["title"] or raw.get("name", "")
        self.name = raw.get("name", "")
        self.path = raw["path"]
        self.has_ledger = bool(raw["has_ledger"])
        self.cam_mass = raw["cam_mass_kg"]  # [kg]
        self.basis_mass = raw["basis_mass_kg"] or raw["cam_mass_kg"]  # [kg], what mA.h/g refers to
        self.area = raw["area_m2"]  # [m2]
        self.final_time = raw["final_time"]  # [s]
        self.stats = raw.get("stats", {})
        # Impedance spectra of the EIS steps: one dict each (frequency_Hz, z_real_ohm_cm2,
        # z_imag_ohm_cm2, z_real_ohm, z_imag_ohm as numpy arrays; step, cycle, label, mode,
        # time_s, potential_V, mean_stoichiometry, film_resistance_ohm_cm2, arc_width_ohm_cm2).
        self.spectra = [
            {k: (np.asarray(v) if isinstance(v, list) else v) for k, v in z.items()} for z in raw.get("spectra", [])
        ]
        self._config = None
        ts = raw["timeseries"]
        grams = self.basis_mass * 1e3
        v = {
            "Time [s]": ts["time"],
            "Time [h]": ts["time"] / 3600.0,
            "Potential vs Li/Li+ [V]": ts["potential"],
            "Cell voltage [V]": ts["cell_voltage"],
            "Current [mA]": ts["current"] * 1e3,
            "Current [A]": ts["current"],
            "Current density [mA.cm-2]": ts["current"] * 1e3 / (self.area * 1e4) if self.area else ts["current"] * np.nan,
            "Capacity [mA.h/g]": ts["capacity"],
            "Capacity [mA.h]": ts["capacity"] * grams,
            "Step capacity [mA.h/g]": ts["step_capacity"],
            "Step capacity [mA.h]": ts["step_capacity"] * grams,
            "Temperature [K]": ts["temperature"],
            "Step": ts["step"],
            "Cycle": ts["cycle"],
            "Mean stoichiometry": ts["mean_stoichiometry"],
        }
        if self.has_ledger:
            v["Contact fraction"] = ts["contact_fraction"]
            v["Dead fraction"] = ts["dead_fraction"]
            v["Film resistance [ohm.m2]"] = ts["film_resistance"]
            v["SE oxidised [mA.h/g]"] = ts["se_oxidised"]
            # MODEL.md 9: per site and product kind (files from before lack them).
            for key, name, unit in (("se_current_reversible", "SE oxidation current, reversible", "A.m-2"),
                                    ("se_current_irreversible", "SE oxidation current, irreversible", "A.m-2"),
                                    ("se_reduction_current", "SE reduction current", "A.m-2"),
                                    ("se_oxidised_reversible", "SE oxidised, reversible", "mA.h/g"),
                                    ("se_oxidised_irreversible", "SE oxidised, irreversible", "mA.h/g"),
                                    ("se_reduced", "SE reduced", "mA.h/g")):
                if key in ts:
                    for k, site in enumerate(("carbon", "TPB", "CAM")):
                        v[f"{name} ({site}) [{unit}]"] = np.ascontiguousarray(ts[key][:, k])
        if "stack_pressure" in ts:
            v["Stack pressure [MPa]"] = ts["stack_pressure"] / 1e6
            v["CAM volume change"] = ts["cam_volume_change"]
        if "coating_exposed" in ts:  # coating fracture (files from before lack it)
            v["Coating exposed share"] = ts["coating_exposed"]
        if "fracture_damage" in ts:  # particle fracture (docs/equations.md 11.10)
            v["Fracture damage"] = ts["fracture_damage"]
            v["Fracture contact lost"] = ts["fracture_contact_lost"]
        for a in v.values():
            a.setflags(write=False)
        self._vars = v
        self._cycles = self._steps = self._ledger = None

    # ---- named variables --------------------------------------------------------------
    @property
    def variables(self):
        """The names ``r[name]`` accepts."""
        return list(self._vars)

    def __getitem__(self, name):
        try:
            return self._vars[name]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(name, self._vars, n=3, cutoff=0.4)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise KeyError(f"no variable {name!r} in this result{hint} (see Result.variables)") from None

    def __contains__(self, name):
        return name in self._vars

    def keys(self):
        return self._vars.keys()

    def __iter__(self):
        return iter(self._vars)

    def __len__(self):
        return len(self._vars)

    # ---- tables -----------------------------------------------------------------------
    @property
    def cycles(self):
        if self._cycles is None:
            c = self._raw["cycles"]
            g = self.basis_mass * 1e3
            cols = {
                "cycle": c["cycle"],
                "charge_capacity [mA.h/g]": c["charge_capacity"],
                "discharge_capacity [mA.h/g]": c["discharge_capacity"],
                "coulombic_efficiency": c["coulombic_efficiency"],
                "shoulder_capacity [mA.h/g]": c["shoulder_capacity"],
                "charge_capacity [mA.h]": c["charge_capacity"] * g,
                "discharge_capacity [mA.h]": c["discharge_capacity"] * g,
                "charge_energy [mW.h/g]": c["charge_energy"],
                "discharge_energy [mW.h/g]": c["discharge_energy"],
                "energy_efficiency": c["energy_efficiency"],
            }
            if self.has_ledger:
                cols["dead_fraction"] = c["dead_fraction"]
            self._cycles = _table(cols)
        return self._cycles

    @property
    def steps(self):
        if self._steps is None:
            s = self._raw["steps"]
            g = self.basis_mass * 1e3
            self._steps = _table({
                "index": s["index"],
                "cycle": s["cycle"],
                "label": np.array(s["label"], dtype=object),
                "start_time [s]": s["start_time"],
                "end_time [s]": s["end_time"],
                "duration [h]": (s["end_time"] - s["start_time"]) / 3600.0,
                "capacity [mA.h/g]": s["capacity"],
                "capacity [mA.h]": s["capacity"] * g,
                "energy [mW.h/g]": s["energy"],
                "end_potential [V]": s["end_potential"],
                "end_current [mA]": s["end_current"] * 1e3,
                "end_reason": np.array(s["end_reason"], dtype=object),
            })
        return self._steps

    @property
    def ledger(self):
        if self._ledger is None:
            c = self._raw["cycles"]
            n = len(c["cycle"]) if self.has_ledger else 0
            cols = {
                "cycle": c["cycle"][:n],
                "gap [mA.h/g]": (c["charge_capacity"] - c["discharge_capacity"])[:n],
                "se_oxidation_reversible [mA.h/g]": c["ledger_se_oxidation_reversible"][:n],
                "se_oxidation_irreversible [mA.h/g]": c["ledger_se_oxidation_irreversible"][:n],
                "cam_kinetic [mA.h/g]": c["ledger_cam_kinetic"][:n],
                "cam_isolated [mA.h/g]": c["ledger_cam_isolated"][:n],
                "other [mA.h/g]": c["ledger_other"][:n],
                "se_oxidation_charge [mA.h/g]": c["se_oxidation_charge"][:n],
                "se_reduction [mA.h/g]": c["se_reduction"][:n],
            }
            for kind in ("reversible", "irreversible"):
                m = c["ledger_by_site_" + kind]
                for j, site in enumerate(("carbon", "tpb", "cam")):
                    cols[f"{site}_{kind} [mA.h/g]"] = m[:n, j]
            self._ledger = _table(cols)
        return self._ledger

    # ---- the run ----------------------------------------------------------------------
    @property
    def config(self):
        """The fully resolved config as a dict (valid input for ssbsim.run)."""
        if self._config is None:
            self._config = _yaml_dict(self._raw["config"])
        return self._config

    @property
    def config_yaml(self):
        return self._raw["config"]

    def plot(self, kind="overview", **kwargs):
        """A matplotlib Figure: kind in "overview", "capacity", "potential", "time",
        "ledger", "dqdv" (see ssbsim.plots)."""
        from . import plots

        functions = {
            "overview": "overview",
            "capacity": "capacity_vs_cycle",
            "potential": "potential_vs_capacity",
            "time": "voltage_current_vs_time",
            "ledger": "ledger_bars",
            "dqdv": "dqdv",
        }
        if kind not in functions:
            raise ValueError(f"unknown plot kind {kind!r}; expected one of {', '.join(functions)}")
        fn = getattr(plots, functions[kind], None)
        if fn is None:
            raise NotImplementedError(f"ssbsim.plots has no {functions[kind]}() yet")
        return fn(self, **kwargs)

    def __repr__(self):
        where = self.path if self.path else "in memory"
        n = len(self._vars["Time [s]"])
        return (f"<ssbsim.Result {self.title!r} [{self.status}] {self.final_time / 3600:.2f} h, "
                f"{n} samples, {len(self._raw['cycles']['cycle'])} cycles, {where}>")
