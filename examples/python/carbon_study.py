#!/usr/bin/python3
"""A carbon-surface-area study: the Study A cell with each of the four carbons of Wang
et al. (CNF 24, Super P 62, CNT 315, Ketjen black 1010 m2/g) at the same 5 wt%, three
C/10 cycles each. More carbon surface, more SE oxidation: lower first-cycle CE. One run
per carbon, the per-cycle tables side by side, and a capacity-vs-cycle figure each.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/carbon_study.py [OUTDIR]
"""
import os
import sys

import matplotlib

matplotlib.use("Agg")
import ssbsim  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = sys.argv[1] if len(sys.argv) > 1 else "."
steps = "[" + ", ".join(['"Charge at C/10 until 4.3 V", "Discharge at C/10 until 2.5 V"'] * 3) + "]"
for carbon in ("CNF", "SuperP", "CNT", "KetjenBlack"):
    r = ssbsim.run(os.path.join(ROOT, "configs", "studies", "study_a.yaml"),
                   set={"cell.cathode.carbon": carbon, "protocol.steps": steps, "output.profile_interval": 0})
    cy = r.cycles
    ce = [100 * float(x) for x in cy["coulombic_efficiency"]]
    print(f"{carbon:12s} CE per cycle: " + ", ".join(f"{x:.2f} %" for x in ce)
          + f"; SE oxidised {r['SE oxidised [mA.h/g]'][-1]:.2f} mAh/g")
    r.plot("capacity").savefig(f"{out}/carbon_{carbon}_capacity.png", dpi=110)
