#!/usr/bin/python3
"""Writes an ssbsim result as a BioLogic EC-Lab text export (.mpt), the way a VMP-300 GCPL
run exports it (header block, Ns table, tab-separated columns, optional decimal commas,
0-based cycle numbers), with optional Gaussian noise on Ewe. For end-to-end tests of
`ssbsim validate` on cycler files the project does not ship.

    make_mpt.py RESULT.h5 OUT.mpt [--comma] [--noise-mV 0.5] [--every 1] [--cycle-base 0]

--cycle-base 1 writes the cycle numbers from 1, as some EC-Lab versions and settings do.
"""
import argparse
import h5py
import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("result")
    ap.add_argument("out")
    ap.add_argument("--comma", action="store_true", help="decimal commas (European locale)")
    ap.add_argument("--noise-mV", type=float, default=0.0)
    ap.add_argument("--every", type=int, default=1, help="keep every n-th sample")
    ap.add_argument("--cycle-base", type=int, default=0, choices=(0, 1), help="number of the first cycle")
    a = ap.parse_args()
    with h5py.File(a.result, "r") as f:
        mass_mg = float(f.attrs["capacity_basis_mass_kg"]) * 1e6
        area_cm2 = float(f.attrs["area_m2"]) * 1e4
        ts = f["timeseries"]
        t = ts["time"][:][:: a.every]
        e = ts["potential"][:][:: a.every]
        i_ma = ts["current"][:][:: a.every] * 1e3
        ns = ts["step"][:][:: a.every]
        cyc = ts["cycle"][:][:: a.every] - 1 + a.cycle_base
    rng = np.random.default_rng(7)
    e = e + rng.normal(0.0, a.noise_mV * 1e-3, e.size)
    dq = np.concatenate([[0.0], np.cumsum(0.5 * (i_ma[1:] + i_ma[:-1]) * np.diff(t)) / 3600.0])  # mA.h
    num = (lambda x, p=7: f"{x:.{p}f}".replace(".", ",")) if a.comma else (lambda x, p=7: f"{x:.{p}f}")
    sci = (lambda x: f"{x:.15E}".replace(".", ",")) if a.comma else (lambda x: f"{x:.15E}")
    header = [
        "EC-Lab ASCII FILE", "Nb header lines : {n}", "", "Galvanostatic Cycling with Potential Limitation", "",
        "Run on channel : 2 (SN 0817)", "User : ", "Acquisition started on : 11/02/2026 09:12:44.000",
        "Device : VMP-300 (SN 0817)", "EC-Lab for windows v11.50 (software)",
        f"Mass of active material : {num(mass_mg, 3)} mg", " at x = 0,000" if a.comma else " at x = 0.000",
        f"Electrode surface area : {num(area_cm2, 3)} cm\u00b2",
        f"Characteristic mass : {num(mass_mg, 3)} mg", "Cycle Definition : Charge/Discharge alternance", "",
    ]
    cols = ["mode", "ox/red", "error", "control changes", "Ns changes", "counter inc.", "Ns", "time/s",
            "control/V/mA", "Ewe/V", "<I>/mA", "dQ/C", "(Q-Qo)/mA.h", "half cycle", "cycle number", "P/W"]
    header.append("\t".join(cols))
    header[1] = header[1].format(n=len(header))
    with open(a.out, "w", encoding="cp1252", newline="\r\n") as out:
        out.write("\n".join(header) + "\n")
        prev_ns = ns[0]
        for k in range(t.size):
            mode = 3 if abs(i_ma[k]) < 1e-9 else (2 if k and abs(e[k] - e[k - 1]) < 1e-4 else 1)
            row = [str(mode), "1" if i_ma[k] > 0 else "0", "0", "0", "1" if ns[k] != prev_ns else "0", "0",
                   str(int(ns[k])), sci(t[k]), num(0.0), num(e[k]), sci(i_ma[k]),
                   sci((dq[k] - dq[k - 1]) * 3.6 if k else 0.0), sci(dq[k]), str(0), str(int(cyc[k])),
                   sci(e[k] * i_ma[k] * 1e-3)]
            prev_ns = ns[k]
            out.write("\t".join(row) + "\n")


if __name__ == "__main__":
    main()
