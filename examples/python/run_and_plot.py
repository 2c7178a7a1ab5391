#!/usr/bin/python3
"""A run and its plots: the Study A first cycle (C/50 to 4.3 V, 10 h hold, C/50 to 2.5 V,
33 h hold) simulated in-process, its per-cycle table printed, and the figures users make
first saved as PNG files: overview, capacity and CE vs cycle, potential vs capacity,
V and I vs time with the holds, the loss ledger, and dQ/dV.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/run_and_plot.py [OUTDIR]
"""
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed
import ssbsim  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else "."
r = ssbsim.run()  # the embedded Study A default, kept in memory (output=None)
print(r.title, "-", r.status)
print(r.cycles)
v, t = r["Potential vs Li/Li+ [V]"], r["Time [h]"]
print(f"{len(t)} samples over {t[-1]:.1f} h, potential {v.min():.3f} to {v.max():.3f} V vs Li/Li+")

for kind in ("overview", "capacity", "potential", "time", "ledger", "dqdv"):
    r.plot(kind).savefig(f"{out}/study_a_{kind}.png", dpi=120)
    print(f"wrote {out}/study_a_{kind}.png")
