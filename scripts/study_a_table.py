#!/usr/bin/python3
"""Simulated vs measured for Study A (Kaeli et al.; docs/DOMAIN.md), as a Markdown table.

    /usr/bin/python3 scripts/study_a_table.py [--ssbsim build/ssbsim] > table.md

Runs configs/studies/study_a.yaml and study_a_carbon_only.yaml with the holds of the
paper (a few seconds in all) and prints each calibration target beside the simulation.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOW_HOLD = ["protocol.steps.2=Discharge at C/50 until 2.0 V"]


def run(ssbsim, config, sets, workdir):
    out = os.path.join(workdir, "run.h5")
    cmd = [ssbsim, "run", os.path.join(ROOT, "configs", "studies", config), "-q", "-o", out]
    for s in sets:
        cmd += ["--set", s]
    subprocess.run(cmd, check=True)
    info = subprocess.run([ssbsim, "info", out, "--json"], check=True, capture_output=True, text=True)
    return json.loads(info.stdout)["cycles"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ssbsim", default=os.path.join(ROOT, "build", "ssbsim"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        a25 = run(args.ssbsim, "study_a.yaml", [], tmp)[0]
        holds = {h: run(args.ssbsim, "study_a.yaml", LOW_HOLD + [f"protocol.steps.3=Hold at 2.0 V for {h} hours"], tmp)[0]
                 for h in (33, 66, 132)}
        two_cycles = run(args.ssbsim, "study_a.yaml", [
            'protocol.steps=["Charge at C/50 until 4.3 V", "Hold at 4.3 V for 10 hours", '
            '"Discharge at C/50 until 2.0 V", "Hold at 2.0 V for 33 hours", "Charge at C/50 until 4.3 V", '
            '"Hold at 4.3 V for 10 hours", "Discharge at C/50 until 2.5 V", "Hold at 2.5 V for 33 hours"]'], tmp)
        after25 = run(args.ssbsim, "study_a.yaml", [
            'protocol.steps=["Charge at C/50 until 4.3 V", "Hold at 4.3 V for 10 hours", '
            '"Discharge at C/50 until 2.5 V", "Hold at 2.5 V for 33 hours", "Charge at C/50 until 4.3 V", '
            '"Hold at 4.3 V for 10 hours", "Discharge at C/50 until 2.5 V", "Hold at 2.5 V for 33 hours"]'], tmp)
        c25 = run(args.ssbsim, "study_a_carbon_only.yaml", [], tmp)[0]
        c20 = run(args.ssbsim, "study_a_carbon_only.yaml", [
            "protocol.steps.2=Ramp from 4.3 V to 2.0 V over 34 hours", "protocol.steps.3=Hold at 2.0 V for 33 hours"], tmp)[0]

    ch = a25["charge_capacity_mAh_g"]
    L = a25["ledger"]
    pct = lambda x: f"{100 * x:.1f} %"
    rows = [
        ("first charge capacity (4.3 V + 10 h hold)", "203.3 mAh/g", f"{ch:.1f} mAh/g"),
        ("first-cycle CE, 2.5 V + 33 h hold", "87.5 +- 1.7 %", pct(a25["coulombic_efficiency"])),
        ("first-cycle loss, 2.5 V + 33 h hold", "25.5 +- 6.8 mAh/g", f"{ch - a25['discharge_capacity_mAh_g']:.1f} mAh/g"),
        ("extra discharge with 2.0 V instead of 2.5 V (33 h)", "about 5 % of charge",
         pct((holds[33]["discharge_capacity_mAh_g"] - a25["discharge_capacity_mAh_g"]) / ch)),
        ("CE, 2.0 V hold 33 / 66 / 132 h", "rises; 96.2 % at 66 h; no gain after",
         " / ".join(pct(holds[h]["coulombic_efficiency"]) for h in (33, 66, 132))),
        ("charging-onset shoulder (below 3.6 V), cycle 1", "3.6 +- 0.6 mAh/g", f"{a25['shoulder_capacity_mAh_g']:.2f} mAh/g"),
        ("cycle-2 shoulder after 2.5 V / after 2.0 V hold", "absent / reappears",
         f"{after25[1]['shoulder_capacity_mAh_g']:.2f} / {two_cycles[1]['shoulder_capacity_mAh_g']:.2f} mAh/g"),
        ("SE oxidation share of first charge", "about 9.3 %", pct(a25["se_oxidation_charge_mAh_g"] / ch)),
        ("  of which reversible (not reduced at 2.5 V)", "5.5 %", pct(L["se_oxidation_reversible_mAh_g"] / ch)),
        ("  of which irreversible", "3.8 %", pct(L["se_oxidation_irreversible_mAh_g"] / ch)),
        ("kinetically hindered NMC relithiation", "3.2 %", pct(L["cam_kinetic_mAh_g"] / ch)),
        ("carbon-only SE-oxidation reversibility, 2.0 V / 33 h", "27 +- 1 %",
         pct(c20["se_reduction_mAh_g"] / c20["se_oxidation_charge_mAh_g"])),
        ("carbon-only SE-oxidation reversibility, 2.5 V hold", "none",
         pct(c25["se_reduction_mAh_g"] / c25["se_oxidation_charge_mAh_g"])),
        ("CE of cycle 2 (after a 2.5 V cycle 1)", "about 99 %", pct(after25[1]["coulombic_efficiency"])),
    ]
    print("| quantity | measured (Kaeli et al.) | simulated |")
    print("| --- | --- | --- |")
    for q, m, s in rows:
        print(f"| {q} | {m} | {s} |")


if __name__ == "__main__":
    sys.exit(main())
