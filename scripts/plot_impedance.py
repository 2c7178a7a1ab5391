#!/usr/bin/python3
"""Nyquist and Bode plots of the impedance spectra of ssbsim result files (the EIS
steps' groups /impedance/step_NNNNN, docs/data_formats.md "Impedance spectra").

    /usr/bin/python3 scripts/plot_impedance.py RESULT.h5 [MORE.h5 ...] -o spectra.png
    /usr/bin/python3 scripts/plot_impedance.py RESULT.h5 --ohm      # in ohm, not ohm cm2

Every spectrum of every file is one curve, labelled with its file, cycle and step; the
Nyquist panel has equal axes (-Z'' up), the Bode panels |Z| and the phase on a log
frequency axis. Needs Debian's python3-matplotlib and python3-h5py; without them it exits
with status 3 and says so.
"""
import argparse
import os
import sys

try:
    import h5py
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
except ImportError as e:
    sys.stderr.write("plot_impedance.py needs matplotlib, numpy and h5py (apt install python3-matplotlib "
                     "python3-h5py): %s\n" % e)
    sys.exit(3)


def read_spectra(path, ohm=False):
    """The spectra of one result file: a list of dicts (frequency [Hz], z_real, z_imag
    in ohm cm2, or ohm with ohm=True, and the group's attributes)."""
    out = []
    with h5py.File(path, "r") as f:
        if "impedance" not in f:
            return out
        for name in sorted(f["impedance"].keys()):
            g = f["impedance"][name]
            suffix = "" if ohm else "_area"
            z = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in g.attrs.items()}
            z["frequency"] = np.asarray(g["frequency"][()])
            z["z_real"] = np.asarray(g["z_real" + suffix][()])
            z["z_imag"] = np.asarray(g["z_imag" + suffix][()])
            z["file"] = os.path.basename(path)
            out.append(z)
    return out


def render(spectra, unit="ohm cm2"):
    """The figure: Nyquist (left), |Z| and phase vs frequency (right)."""
    fig = plt.figure(figsize=(11, 5))
    ax_n = fig.add_subplot(1, 2, 1)
    ax_m = fig.add_subplot(2, 2, 2)
    ax_p = fig.add_subplot(2, 2, 4, sharex=ax_m)
    for z in spectra:
        label = "%s: cycle %d, step %d" % (z["file"], int(z.get("cycle", 0)), int(z.get("step", 0)) + 1)
        zr, zi, f = z["z_real"], z["z_imag"], z["frequency"]
        ax_n.plot(zr, -zi, "o-", ms=3, label=label)
        ax_m.loglog(f, np.hypot(zr, zi), "-", label=label)
        ax_p.semilogx(f, np.degrees(np.arctan2(zi, zr)), "-")
    ax_n.set_xlabel("Z' [%s]" % unit)
    ax_n.set_ylabel("-Z'' [%s]" % unit)
    ax_n.set_aspect("equal", adjustable="datalim")
    ax_n.grid(True, alpha=0.3)
    ax_n.legend(fontsize=7)
    ax_m.set_ylabel("|Z| [%s]" % unit)
    ax_m.grid(True, which="both", alpha=0.3)
    ax_p.set_ylabel("phase [deg]")
    ax_p.set_xlabel("frequency [Hz]")
    ax_p.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return fig


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="+", help="ssbsim result files (.h5)")
    ap.add_argument("-o", "--output", default="impedance.png", help="the figure (default impedance.png)")
    ap.add_argument("--ohm", action="store_true", help="Z in ohm instead of ohm cm2")
    a = ap.parse_args(argv)
    spectra = []
    for p in a.results:
        spectra += read_spectra(p, a.ohm)
    if not spectra:
        sys.stderr.write("no impedance spectra in %s (add an 'EIS from 10 kHz to 10 mHz' step)\n"
                         % ", ".join(a.results))
        return 2
    fig = render(spectra, "ohm" if a.ohm else "ohm cm2")
    fig.savefig(a.output, dpi=120)
    print("wrote %s (%d spectra)" % (a.output, len(spectra)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
