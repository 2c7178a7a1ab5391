#!/usr/bin/python3
"""The qualitative trends of docs/DOMAIN.md beyond the calibration rows: simulated vs paper, PASS/FAIL.

    /usr/bin/python3 scripts/trend_table.py [--ssbsim build/ssbsim] [-j 2] [--quick]
        [--doc docs/calibration.md] [--set KEY=VALUE ...]

Runs the shipped study configs (configs/studies/*.yaml) with only cell and protocol keys
changed, as a user would (the --set lines at the top of each config), and prints one row per
trend of Studies B, C and D (B1-B5, C1-C4, D1-D2 of the task list in docs/calibration.md,
"Trends beyond the calibration rows"): the paper's finding, the simulated figures and PASS or
FAIL. Exits 1 when a trend FAILs, 2 on a run that does not complete. --doc writes the table
between the markers <!-- table:trends --> and <!-- /table:trends --> of the document.
-j runs up to 2 cases at a time (the machine is shared). --quick runs the long-cycling cases
for 20 cycles instead of 100 (or 50), for a first look; the document is written from a full run.
--set applies an override to every run (mechanism trials, e.g. a chemistry key).
About 3 CPU minutes in all (1.5 at -j 2).
"""
import argparse
import concurrent.futures
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STUDIES = os.path.join(ROOT, "configs", "studies")
EXTRA = []     # --set for every run
CARBONS = ["CNF", "SuperP", "CNT", "KetjenBlack"]
COATINGS = [("bare", None), ("0.36 wt%", 0.0036), ("0.76 wt%", 0.0076), ("1.38 wt%", 0.0138)]
TEMPERATURES = [30, 60, 80]
# Ma et al.'s slurry-cast electrode, as study_c.yaml's comment gives it.
SLURRY = ["cell.cathode.coating.mass_fraction=0.0076", "cell.cathode.binder_material=PIB",
          "cell.cathode.composition.binder=0.01", "cell.cathode.composition.normalize=true",
          "cell.cathode.loading=17 mg/cm2", "cell.cathode.ionic_conductivity=5 S/m"]
SHELL = "cell.cathode.coating={material: Li2SnO3, mass_fraction: 0.03}"   # study_d.yaml's
_CALIBRATION_TABLE = None


def calibration_table():
    """scripts/calibration_table.py as a module (its simulated() and replace_between())."""
    global _CALIBRATION_TABLE
    if _CALIBRATION_TABLE is None:
        spec = importlib.util.spec_from_file_location("calibration_table",
                                                      os.path.join(ROOT, "scripts", "calibration_table.py"))
        _CALIBRATION_TABLE = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(_CALIBRATION_TABLE)
    return _CALIBRATION_TABLE


# Time-series columns read from a result (only for the cases that need them).
SERIES = ["time", "cycle", "current", "potential", "se_current_irreversible"]


def repeat(n):
    return [f"protocol.steps.0.repeat={n}"]


def cases(quick):
    """{name: (config, --set list, wants the time series)}."""
    long_c, long_b, mid_b = (20, 20, 20) if quick else (100, 100, 50)
    out = {}
    for c in CARBONS:
        out[f"B_{c}"] = ("study_b.yaml", [f"cell.cathode.carbon={c}"], True)
    for c in ("CNF", "KetjenBlack"):
        out[f"Bmno2_{c}"] = ("study_b_mno2.yaml", [f"cell.cathode.carbon={c}"], False)
        out[f"Blong_{c}"] = ("study_b.yaml", [f"cell.cathode.carbon={c}"] + repeat(long_b), False)
    for t in TEMPERATURES:
        out[f"BT_{t}"] = ("study_b.yaml", [f"cell.temperature={t} degC"] + repeat(mid_b), False)
    for name, w in COATINGS:
        coat = ["cell.cathode.coating=none"] if w is None else [f"cell.cathode.coating.mass_fraction={w}"]
        out[f"C_{name}"] = ("study_c.yaml", coat + repeat(long_c), True)
    out["C_slurry"] = ("study_c.yaml", SLURRY + repeat(long_c), False)
    out["C_0.2C"] = ("study_c.yaml", [], False)
    out["C_0.5C"] = ("study_c.yaml", ["protocol.steps.0.steps.0=Charge at 0.5C until 4.3 V",
                                      "protocol.steps.0.steps.1=Discharge at 0.5C until 2.9 V"], False)
    out["D_bare"] = ("study_d.yaml", repeat(long_c), False)
    out["D_shelled"] = ("study_d.yaml", [SHELL] + repeat(long_c), False)
    return out


def run_case(ssbsim, config, sets, series, workdir):
    """One `ssbsim run`: {"status", "cycles" (ssbsim info --json), "series" {column: array}}."""
    out = os.path.join(tempfile.mkdtemp(dir=workdir), "run.h5")
    cmd = [ssbsim, "run", os.path.join(STUDIES, config), "-q", "-o", out, "--set", "output.profile_interval=0"]
    for s in sets + EXTRA:
        cmd += ["--set", s]
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if not os.path.exists(out):
        return {"status": f"failed: {r.stderr.strip()[-300:]}", "cycles": [], "series": {}}
    info = json.loads(subprocess.run([ssbsim, "info", out, "--json"], check=True, capture_output=True,
                                     text=True).stdout)
    res = {"status": info["status"], "cycles": info["cycles"], "series": {}}
    if series:
        with h5py.File(out, "r") as f:
            res["series"] = {k: f["timeseries"][k][:] for k in SERIES}
    os.remove(out)
    return res


def stack_pressure_drop(ssbsim, workdir):
    """Study D's stack-pressure change at the start of the first charge [MPa], by the metric
    code `ssbsim validate` uses (scripts/calibration_table.py's simulated())."""
    mod = calibration_table()
    key = ("stack_pressure_change_at_charge_start", 1)
    got = mod.simulated(ssbsim, os.path.join(STUDIES, "study_d.yaml"), repeat(1) + EXTRA, [key], workdir)
    return got[key][0] if key in got else None


# ---- observables of one case ----------------------------------------------------------------

def dis(r, k=1):
    return r["cycles"][k - 1]["discharge_capacity_mAh_g"]


def retention(r):
    return dis(r, len(r["cycles"])) / dis(r, 1)


def se_oxidation(r, upto=1):
    return sum(c["se_oxidation_charge_mAh_g"] for c in r["cycles"][:upto])


def deep_onset(r, share=0.1):
    """The potential [V] on the first charge at which the TPB's irreversible SE oxidation (the
    deepest decomposition: elemental S, PO_x, where CAM, carbon and SE meet) first reaches
    `share` of its first-charge peak rate: an onset independent of how much reacts."""
    s = r["series"]
    on = np.where((s["cycle"] == 1) & (s["current"] > 0))[0]
    rate = s["se_current_irreversible"][on, 1]
    first = on[np.argmax(rate >= share * rate.max())]
    return float(s["potential"][first])


def potential_gap(r, k=2):
    """Mean cathode potential on charge minus on discharge in cycle k [mV] (time-weighted):
    the overpotential of the cycle (the OCV parts cancel over a full cycle)."""
    s = r["series"]

    def mean(mask):
        i = np.where(mask)[0]
        t, v = s["time"][i], s["potential"][i]
        return float(np.sum(0.5 * (v[1:] + v[:-1]) * np.diff(t)) / (t[-1] - t[0]))

    cyc = s["cycle"] == k
    return 1000.0 * (mean(cyc & (s["current"] > 0)) - mean(cyc & (s["current"] < 0)))


def increasing(values):
    return all(a < b for a, b in zip(values, values[1:]))


def pct(x, d=1):
    return f"{100 * x:.{d}f} %"


# ---- the trends ------------------------------------------------------------------------------

def trends_b(R):
    rows = []
    ox = [se_oxidation(R[f"B_{c}"]) for c in CARBONS]
    rows.append(("B1", "SE decomposition ranks CNF < SP < CNT < KB",
                 "SE oxidation, cycle 1: " + ", ".join(f"{c} {v:.1f}" for c, v in zip(CARBONS, ox)) + " mAh/g",
                 increasing(ox)))
    m = {c: R[f"Bmno2_{c}"]["cycles"][0] for c in ("CNF", "KetjenBlack")}
    only = all(abs(x["charge_capacity_mAh_g"] - x["se_oxidation_charge_mAh_g"]) <= 0.01 * x["charge_capacity_mAh_g"]
               for x in m.values())
    rows.append(("B2", "MnO2 control: only capacity is SE oxidation, larger with KB than CNF",
                 "charge CNF {:.1f} (SE ox. {:.1f}), KB {:.1f} (SE ox. {:.1f}) mAh/g".format(
                     m["CNF"]["charge_capacity_mAh_g"], m["CNF"]["se_oxidation_charge_mAh_g"],
                     m["KetjenBlack"]["charge_capacity_mAh_g"], m["KetjenBlack"]["se_oxidation_charge_mAh_g"]),
                 only and m["KetjenBlack"]["se_oxidation_charge_mAh_g"] > m["CNF"]["se_oxidation_charge_mAh_g"]))
    on = {c: deep_onset(R[f"B_{c}"]) for c in CARBONS}
    rows.append(("B3", "deepest decomposition starts at a lower potential with KB than CNF",
                 "TPB irreversible oxidation at 10 % of its peak, first charge: " +
                 ", ".join(f"{c} {on[c]:.3f}" for c in CARBONS) + " V", on["KetjenBlack"] < on["CNF"]))
    kb, cnf = R["Blong_KetjenBlack"], R["Blong_CNF"]
    n = len(kb["cycles"])
    rows.append(("B4", "CNF keeps far more capacity than KB; KB still cycles",
                 f"{n} cycles: CNF {dis(cnf):.1f} -> {dis(cnf, n):.1f} ({pct(retention(cnf))}), "
                 f"KB {dis(kb):.1f} -> {dis(kb, n):.1f} mAh/g ({pct(retention(kb))})",
                 dis(kb) - dis(kb, n) > dis(cnf) - dis(cnf, n) + 2.0 and retention(kb) > 0.5))
    T = {t: R[f"BT_{t}"] for t in TEMPERATURES}
    n = len(T[30]["cycles"])
    ox = [se_oxidation(T[t], n) for t in TEMPERATURES]
    rows.append(("B5a", "60 / 80 degC: faster SE decomposition than 30 degC",
                 f"SE oxidation over {n} cycles: " + ", ".join(f"{t} degC {v:.1f}" for t, v in zip(TEMPERATURES, ox)) +
                 " mAh/g; CE cycle 1 / {}: ".format(n) + ", ".join(
                     f"{pct(T[t]['cycles'][0]['coulombic_efficiency'])} / "
                     f"{pct(T[t]['cycles'][-1]['coulombic_efficiency'], 2)}" for t in TEMPERATURES),
                 increasing(ox)))
    fade = [1.0 - retention(T[t]) for t in TEMPERATURES]
    rows.append(("B5b", "60 / 80 degC: more fade than 30 degC",
                 f"discharge cycle 1 -> {n}: " + ", ".join(
                     f"{t} degC {dis(T[t]):.1f} -> {dis(T[t], n):.1f} ({pct(retention(T[t]))})" for t in TEMPERATURES),
                 increasing(fade)))
    return rows


def trends_c(R):
    rows = []
    names = [n for n, _ in COATINGS]
    ret = {n: retention(R[f"C_{n}"]) for n in names}
    n = len(R["C_bare"]["cycles"])
    rows.append(("C1", "retention ranks bare < 0.36 < 1.38 < 0.76 wt% LiNbO3",
                 f"retention after {n} cycles: " + ", ".join(f"{k} {pct(ret[k], 2)}" for k in names),
                 increasing([ret[k] for k in ("bare", "0.36 wt%", "1.38 wt%", "0.76 wt%")])))
    gap = {k: potential_gap(R[f"C_{k}"]) for k in names}
    cap = {k: dis(R[f"C_{k}"]) for k in names}
    rows.append(("C2", "coated: lower overpotential, higher capacity than bare",
                 "mean charge - discharge potential, cycle 2: " + ", ".join(f"{k} {gap[k]:.0f}" for k in names) +
                 " mV; discharge cycle 1: " + ", ".join(f"{k} {cap[k]:.1f}" for k in names) + " mAh/g",
                 all(gap[k] < gap["bare"] and cap[k] > cap["bare"] for k in names[1:])))
    sl, pe = R["C_slurry"], R["C_0.76 wt%"]
    rows.append(("C3", "slurry-cast (0.76 wt%, PIB, 17 mg/cm2) cycles better than pelletised",
                 f"{n} cycles: slurry {dis(sl):.1f} -> {dis(sl, n):.1f} ({pct(retention(sl), 2)}), "
                 f"pellet {dis(pe):.1f} -> {dis(pe, n):.1f} mAh/g ({pct(retention(pe), 2)})",
                 retention(sl) > retention(pe) + 0.01 and dis(sl, n) > dis(pe, n)))
    rows.append(("C4", "0.5C gives less capacity than 0.2C",
                 f"discharge cycle 1: 0.2C {dis(R['C_0.2C']):.1f}, 0.5C {dis(R['C_0.5C']):.1f} mAh/g",
                 dis(R["C_0.5C"]) < dis(R["C_0.2C"])))
    return rows


def trends_d(R, dp):
    b, s = R["D_bare"], R["D_shelled"]
    n = len(b["cycles"])
    return [("D1", "Li2SnO3-shelled LiCoO2 delivers more and keeps it better than bare",
             f"{n} cycles: bare {dis(b):.1f} -> {dis(b, n):.1f} ({pct(retention(b))}), "
             f"shelled {dis(s):.1f} -> {dis(s, n):.1f} mAh/g ({pct(retention(s))})",
             dis(s) > dis(b) and retention(s) > retention(b)),
            ("D2", "stack pressure falls at the start of the first charge",
             "not computed" if dp is None else f"change at the start of charge {dp:+.2f} MPa",
             dp is not None and dp < 0)]


def markdown(rows):
    out = ["| trend | paper (docs/DOMAIN.md) | simulated | verdict |", "| --- | --- | --- | --- |"]
    out += [f"| {t} | {p} | {s} | {'PASS' if ok else 'FAIL'} |" for t, p, s, ok in rows]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ssbsim", default=os.path.join(ROOT, "build", "ssbsim"))
    ap.add_argument("-j", type=int, default=1, help="cases run at a time (at most 2)")
    ap.add_argument("--quick", action="store_true", help="20 instead of 100 / 50 cycles in the cycling cases")
    ap.add_argument("--doc", help="write the table into this document (between <!-- table:trends --> markers)")
    ap.add_argument("--set", action="append", default=[], help="an override for every run (as ssbsim run --set)")
    args = ap.parse_args()
    global EXTRA
    EXTRA = args.set
    ssbsim = os.path.abspath(args.ssbsim)
    todo = cases(args.quick)
    with tempfile.TemporaryDirectory() as tmp:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(2, args.j))) as pool:
            futures = {n: pool.submit(run_case, ssbsim, *todo[n], tmp) for n in todo}
            drop = pool.submit(stack_pressure_drop, ssbsim, tmp)
            R = {n: f.result() for n, f in futures.items()}
            dp = drop.result()
    bad = [f"{n}: {r['status']}" for n, r in R.items() if r["status"] != "complete"]
    if bad:
        print("runs that did not complete:\n  " + "\n  ".join(bad), file=sys.stderr)
        return 2
    rows = trends_b(R) + trends_c(R) + trends_d(R, dp)
    table = markdown(rows)
    if args.doc:
        with open(args.doc) as f:
            doc = f.read()
        with open(args.doc, "w") as f:
            f.write(calibration_table().replace_between(doc, "trends", table))
    print(table, end="")
    failed = [t for t, _, _, ok in rows if not ok]
    if failed:
        print(f"FAIL: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
