"""The plots users make first, from an ssbsim Result.

Every function takes a Result (anything with the Result mapping: ``r["Time [h]"]``,
``r.cycles``, ``r.steps``, ``r.ledger``, ``r.title``; the tables may be pandas
DataFrames or dicts of numpy arrays) and returns a matplotlib Figure. Nothing is shown
or saved: call ``fig.savefig("x.png")``, or let Jupyter display it.

    capacity_vs_cycle(r)            charge/discharge capacity, CE and retention vs cycle
    potential_vs_capacity(r)        potential vs capacity, charge and discharge, per cycle
    voltage_current_vs_time(r)      potential and current vs time, holds and rests shaded
    ledger_bars(r)                  the loss ledger per cycle as stacked bars
    dqdv(r, cycle=None, smoothing)  dQ/dV vs potential (linear axis, smoothed)
    overview(r)                     four of the above on one figure

This module is self-contained (numpy and matplotlib only) so that scripts can load it
by path without the compiled ssbsim module. It does not select a matplotlib backend:
in a script without a display, call ``matplotlib.use("Agg")`` first.
"""
import re

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

__all__ = ["capacity_vs_cycle", "potential_vs_capacity", "voltage_current_vs_time", "ledger_bars", "dqdv",
           "overview", "plot", "KINDS", "savgol", "dqdv_curve", "hold_intervals"]

# Axis labels (units in square brackets, as in the Result's variable names).
CAPACITY = "Specific capacity [mA.h/g]"
POTENTIAL = "Potential vs Li/Li+ [V]"
CURRENT = "Current [mA]"
TIME = "Time [h]"
CYCLE = "Cycle"
CE = "Coulombic efficiency [%]"
RETENTION = "Retention [% of cycle 1 discharge]"
LOSS = "Capacity loss, charge - discharge [mA.h/g]"
DQDV = "dQ/dV [mA.h/g/V]"

# Ledger terms in the order they are stacked, with labels and colours. A ledger column
# matches a term when its normalised name (lower case, unit and "ledger_" dropped, spaces
# and hyphens as underscores) is the term or ends with it.
LEDGER_TERMS = [
    ("se_oxidation_reversible", "SE oxidation, reversible", "#9ecae1"),
    ("se_oxidation_irreversible", "SE oxidation, irreversible", "#3182bd"),
    ("cam_kinetic", "CAM kinetic (slow relithiation)", "#fd8d3c"),
    ("cam_isolated", "CAM isolated", "#a63603"),
    ("other", "other", "#bdbdbd"),
]
# Ledger columns that are totals or side quantities, never stacked.
_LEDGER_NOT_TERMS = ("cycle", "gap", "total", "capacity_loss", "se_oxidation_charge", "se_reduction", "dead",
                     "share", "by_site")


# ---- table access (pandas DataFrame or dict of arrays) --------------------------------

def _columns(table):
    if table is None:
        return []
    cols = getattr(table, "columns", None)
    return [str(c) for c in (cols if cols is not None else table.keys())]


def _col(table, name):
    return np.asarray(table[name])


def _find(table, *names):
    """The first column of `table` whose name is one of `names`, or whose name without its
    unit ("charge_capacity [mA.h/g]" -> "charge_capacity") is; None when there is none."""
    cols = _columns(table)
    for n in names:
        if n in cols:
            return n
    bare = {re.sub(r"\s*\[.*\]\s*$", "", c): c for c in cols}
    for n in names:
        if n in bare:
            return bare[n]
    return None


def _series(r, name, default=None):
    try:
        return np.asarray(r[name], dtype=float)
    except (KeyError, IndexError, ValueError, TypeError):
        if default is not None:
            return default
        raise KeyError(f"the result has no variable {name!r}") from None


def _title(r):
    t = getattr(r, "title", None) or ""
    status = getattr(r, "status", None)
    if status and status != "complete":
        t = (t + " " if t else "") + f"[{status}]"
    return t


def _figure(**kw):
    # A Figure not attached to pyplot: works under Agg, never leaks open figures.
    return Figure(**kw)


# ---- signal processing ---------------------------------------------------------------

def savgol(y, window, order=2):
    """Savitzky-Golay smoothing of the evenly spaced samples `y` (numpy only): a
    least-squares polynomial of `order` over `window` samples (made odd, at least
    order + 2), edges padded with the end values. NaNs are treated as 0 weight-free gaps
    (filled by linear interpolation first). Returns an array of the same length."""
    y = np.asarray(y, dtype=float)
    n = y.size
    window = int(window)
    if window % 2 == 0:
        window += 1
    if n < 3 or window < order + 2:
        return y.copy()
    if window > n:
        window = n if n % 2 else n - 1
        if window < order + 2:
            return y.copy()
    ok = np.isfinite(y)
    if not ok.any():
        return y.copy()
    if not ok.all():
        idx = np.arange(n)
        y = np.interp(idx, idx[ok], y[ok])
    m = window // 2
    a = np.vander(np.arange(-m, m + 1, dtype=float), order + 1, increasing=True)
    coeff = np.linalg.pinv(a)[0]  # value of the fitted polynomial at the window centre
    padded = np.concatenate([np.full(m, y[0]), y, np.full(m, y[-1])])
    return np.convolve(padded, coeff[::-1], mode="valid")


def hold_intervals(r, tol_V=1e-3, tol_mA=1e-9):
    """The potentiostatic holds and the rests of a Result as a list of
    (kind, start [h], end [h], label) with kind "hold" or "rest". From the steps table
    when it has labels ("Hold at 4.3 V for 10 hours", "Rest for 1 hour"), otherwise from
    the time series: a step whose potential stays within tol_V is a hold, one whose
    current stays within tol_mA of 0 is a rest."""
    out = []
    steps = getattr(r, "steps", None)
    label_col = _find(steps, "label") if steps is not None else None
    t0c, t1c = (_find(steps, "start_time [s]", "start_time"), _find(steps, "end_time [s]", "end_time")) \
        if steps is not None else (None, None)
    if label_col and t0c and t1c:
        labels = [str(x.decode() if isinstance(x, bytes) else x) for x in _col(steps, label_col)]
        t0, t1 = _col(steps, t0c).astype(float) / 3600.0, _col(steps, t1c).astype(float) / 3600.0
        for lab, a, b in zip(labels, t0, t1):
            low = lab.lower()
            if low.startswith("hold") or " hold " in low or low.startswith("cv") or "potentiostatic" in low:
                out.append(("hold", a, b, lab))
            elif low.startswith("rest") or "open circuit" in low or low.startswith("ocv"):
                out.append(("rest", a, b, lab))
        if out or labels:
            return out
    t = _series(r, "Time [h]")
    v = _series(r, "Potential vs Li/Li+ [V]")
    i = _series(r, "Current [mA]")
    s = _series(r, "Step", np.zeros_like(t))
    for step in np.unique(s):
        m = s == step
        if m.sum() < 3:
            continue
        if np.all(np.abs(i[m]) <= tol_mA):
            out.append(("rest", t[m][0], t[m][-1], f"rest (step {int(step)})"))
        elif np.ptp(v[m]) <= tol_V:
            out.append(("hold", t[m][0], t[m][-1], f"hold at {np.median(v[m]):.3g} V (step {int(step)})"))
    return out


def _segments(r):
    """Per sample: the cycle, and the direction of its step (+1 charge, -1 discharge,
    0 rest), and a mask of the samples in potentiostatic holds (excluded from dQ/dV)."""
    t = _series(r, "Time [h]")
    i = _series(r, "Current [mA]")
    v = _series(r, "Potential vs Li/Li+ [V]")
    step = _series(r, "Step", np.zeros_like(t))
    cycle = _series(r, "Cycle", np.ones_like(t))
    direction = np.zeros(t.size, dtype=int)
    held = np.zeros(t.size, dtype=bool)
    for s in np.unique(step):
        m = step == s
        mean_i = np.mean(i[m])
        direction[m] = 0 if abs(mean_i) < 1e-12 else int(np.sign(mean_i))
        held[m] = m.sum() >= 3 and np.ptp(v[m]) <= 1e-3
    return cycle, direction, held


def dqdv_curve(potential, capacity, bin_V=0.005, smoothing=0.03, order=2):
    """dQ/dV of one half cycle (a charge or a discharge, in time order). The capacity
    passed (|Q - Q0|, mA.h/g) is put on an even potential grid of `bin_V` volts, taking
    the potential as monotonic (its running maximum on a charge, minimum on a
    discharge, so that noise does not fold the curve back), differentiated, and
    smoothed with a Savitzky-Golay filter `smoothing` volts wide (0 or None: not
    smoothed). Positive for a charge (potential rising), negative for a discharge.
    Returns (potential grid [V], dQ/dV [mA.h/g/V]); empty arrays when the half cycle
    spans less than three grid steps."""
    v = np.asarray(potential, dtype=float)
    q = np.asarray(capacity, dtype=float)
    ok = np.isfinite(v) & np.isfinite(q)
    v, q = v[ok], q[ok]
    empty = np.array([]), np.array([])
    if v.size < 3:
        return empty
    sign = 1.0 if v[-1] >= v[0] else -1.0
    q = np.abs(q - q[0])
    vm = np.maximum.accumulate(v) if sign > 0 else -np.maximum.accumulate(-v)
    x = sign * vm  # increasing
    keep = np.concatenate([[True], np.diff(x) > 0])
    x, q = x[keep], q[keep]
    if x.size < 3 or x[-1] - x[0] < 3 * bin_V:
        return empty
    grid = np.arange(np.ceil(x[0] / bin_V) * bin_V, x[-1], bin_V)
    if grid.size < 3:
        return empty
    qg = np.interp(grid, x, q)
    y = np.gradient(qg, bin_V)
    if smoothing:
        y = savgol(y, max(int(round(smoothing / bin_V)), order + 2), order)
    return sign * grid, sign * y


# ---- the drawing, one axes at a time (shared by the figures and overview) ------------

def _cycle_colours(cycles):
    import matplotlib
    cycles = list(cycles)
    many = len(cycles) > 10
    cmap = matplotlib.colormaps["viridis" if many else "tab10"]
    if many:
        lo, hi = cycles[0], cycles[-1]
        return {c: cmap((c - lo) / max(hi - lo, 1)) for c in cycles}, cmap, many
    return {c: cmap(k) for k, c in enumerate(cycles)}, cmap, many


def _draw_capacity(ax, r, retention=True):
    cy = r.cycles
    c = _col(cy, _find(cy, "cycle")).astype(float)
    qc = _col(cy, _find(cy, "charge_capacity [mA.h/g]", "charge_capacity")).astype(float)
    qd = _col(cy, _find(cy, "discharge_capacity [mA.h/g]", "discharge_capacity")).astype(float)
    ax.plot(c, qc, "o-", color="C3", ms=4, label="charge")
    ax.plot(c, qd, "s-", color="C0", ms=4, label="discharge")
    ax.set_xlabel(CYCLE)
    ax.set_ylabel(CAPACITY)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="lower left")
    if c.size and c.size <= 20:
        ax.set_xticks(c)
    ax2 = None
    if retention and qd.size and np.isfinite(qd[0]) and qd[0] > 0:
        ret = 100.0 * qd / qd[0]
        # The right-hand axis is the left one rescaled: the discharge points read off
        # both as capacity and as retention.
        ax2 = ax.twinx()
        ax2.set_ylim(np.asarray(ax.get_ylim()) * 100.0 / qd[0])
        ax2.set_ylabel(RETENTION, color="C0")
        ax2.tick_params(axis="y", colors="C0")
        last = np.flatnonzero(np.isfinite(ret))[-1]
        if last == 0:
            return ax2
        ax.annotate(f"retention {ret[last]:.1f} %\n(cycle {int(c[last])} / cycle {int(c[0])} discharge)",
                    xy=(c[last], qd[last]), xytext=(0.98, 0.55), textcoords="axes fraction", ha="right",
                    fontsize="small", arrowprops=dict(arrowstyle="->", color="0.35"))
    return ax2


def _draw_ce(ax, r):
    cy = r.cycles
    c = _col(cy, _find(cy, "cycle")).astype(float)
    ce = 100.0 * _col(cy, _find(cy, "coulombic_efficiency")).astype(float)
    ax.plot(c, ce, "o-", color="C2", ms=4)
    ax.set_xlabel(CYCLE)
    ax.set_ylabel(CE)
    ax.grid(alpha=0.3)
    if c.size and c.size <= 20:
        ax.set_xticks(c)
    for x, y in zip(c[:3], ce[:3]):
        if np.isfinite(y):
            ax.annotate(f"{y:.1f} %", (x, y), textcoords="offset points", xytext=(4, -10), fontsize="x-small")


def _draw_potential_capacity(ax, r, cycles=None, fig=None):
    v = _series(r, "Potential vs Li/Li+ [V]")
    q = _series(r, "Capacity [mA.h/g]")
    cyc, direction, _ = _segments(r)
    present = [int(c) for c in np.unique(cyc)]
    want = present if cycles is None else [int(c) for c in np.atleast_1d(cycles) if int(c) in present]
    colour, cmap, many = _cycle_colours(want)
    for c in want:
        for sgn, style, what in ((1, "-", "charge"), (-1, "--", "discharge")):
            m = (cyc == c) & (direction == sgn)
            if not m.any():
                continue
            qq = q[m]
            ax.plot(np.abs(qq - qq[0]), v[m], style, color=colour[c], lw=1.2,
                    label=None if many else f"cycle {c} {what}")
    if many and fig is not None and want:
        import matplotlib
        sm = matplotlib.cm.ScalarMappable(cmap=cmap, norm=matplotlib.colors.Normalize(want[0], want[-1]))
        fig.colorbar(sm, ax=ax, label=CYCLE)
        ax.legend(handles=[Line2D([], [], color="k", ls="-", label="charge"),
                           Line2D([], [], color="k", ls="--", label="discharge")], fontsize="small")
    elif ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small", ncol=2 if len(want) > 3 else 1)
    ax.set_xlabel(CAPACITY)
    ax.set_ylabel(POTENTIAL)
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)


def _shade_holds(axes, r, label_top=None):
    spans = hold_intervals(r)
    colours = {"hold": "#fdd0a2", "rest": "#c7e9c0"}
    seen = set()
    for kind, a, b, lab in spans:
        for ax in axes:
            ax.axvspan(a, b, color=colours[kind], alpha=0.6, lw=0, zorder=0,
                       label=None if (kind in seen or ax is not axes[0]) else kind)
        seen.add(kind)
        if label_top is not None:
            label_top.text(0.5 * (a + b), 0.98, lab, transform=label_top.get_xaxis_transform(), ha="center",
                           va="top", fontsize="x-small", rotation=90, color="0.3", clip_on=True)
    return spans


def _draw_time(ax_v, ax_i, r):
    t = _series(r, "Time [h]")
    ax_v.plot(t, _series(r, "Potential vs Li/Li+ [V]"), color="C0", lw=1.2)
    ax_v.set_ylabel(POTENTIAL)
    ax_i.plot(t, _series(r, "Current [mA]"), color="C3", lw=1.2)
    ax_i.axhline(0.0, color="k", lw=0.5)
    ax_i.set_ylabel(CURRENT)
    ax_i.set_xlabel(TIME)
    spans = _shade_holds([ax_v, ax_i], r, label_top=ax_v)
    if spans:
        ax_v.legend(fontsize="small", loc="lower right")
    for ax in (ax_v, ax_i):
        ax.grid(alpha=0.3)
        ax.set_xlim(t[0] if t.size else 0, t[-1] if t.size else 1)


def _ledger_terms(ledger):
    cols = _columns(ledger)
    norm = {c: re.sub(r"[\s\-]+", "_", re.sub(r"\s*\[.*\]\s*$", "", c).strip().lower()).removeprefix("ledger_")
            for c in cols}
    terms = []
    for key, label, colour in LEDGER_TERMS:
        for c, n in norm.items():
            if n == key or n.endswith("_" + key):
                terms.append((c, label, colour))
                break
    if not terms:  # unknown names: every numeric column that is not a total
        k = 0
        for c, n in norm.items():
            if any(x in n for x in _LEDGER_NOT_TERMS):
                continue
            try:
                _col(ledger, c).astype(float)
            except (TypeError, ValueError):
                continue
            terms.append((c, c, f"C{k % 10}"))
            k += 1
    gap = next((c for c, n in norm.items() if n in ("gap", "total", "capacity_loss", "total_loss")), None)
    return terms, gap


def _draw_ledger(ax, r):
    lg = r.ledger
    cyc_col = _find(lg, "cycle")
    terms, gap_col = _ledger_terms(lg)
    if cyc_col:
        c = _col(lg, cyc_col).astype(float)
        n = c.size
    else:
        n = len(_col(lg, terms[0][0])) if terms else 0
        c = np.arange(1, n + 1, dtype=float)
    pos, neg = np.zeros(n), np.zeros(n)
    width = 0.7 * (np.min(np.diff(c)) if c.size > 1 else 1.0)
    total = np.zeros(n)
    for col, label, colour in terms:
        y = np.nan_to_num(_col(lg, col).astype(float))
        total += y
        base = np.where(y >= 0, pos, neg)
        ax.bar(c, y, width, bottom=base, color=colour, label=label, edgecolor="white", lw=0.5)
        pos += np.where(y >= 0, y, 0)
        neg += np.where(y < 0, y, 0)
    if gap_col:
        total = _col(lg, gap_col).astype(float)
    if not terms:
        ax.text(0.5, 0.5, "no loss ledger in this result (chemistry off?)", transform=ax.transAxes, ha="center",
                color="0.4")
    if terms or gap_col:
        ax.plot(c, total, "D", color="k", ms=4, label="total (charge - discharge)")
    ax.axhline(0.0, color="k", lw=0.5)
    finite = np.concatenate([pos, neg, total[np.isfinite(total)]]) if n else np.array([0.0])
    lo, hi = min(finite.min(), 0.0), max(finite.max(), 0.0)
    pad = 0.08 * (hi - lo) if hi > lo else 1.0
    ax.set_ylim(lo - (pad if lo < 0 else 0), hi + pad)
    ax.set_xlabel(CYCLE)
    ax.set_ylabel(LOSS)
    if c.size and c.size <= 20:
        ax.set_xticks(c)
    ax.grid(axis="y", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="x-small")


def _draw_dqdv(ax, r, cycle=None, smoothing=0.03, bin_V=0.005, fig=None):
    v = _series(r, "Potential vs Li/Li+ [V]")
    q = _series(r, "Capacity [mA.h/g]")
    cyc, direction, held = _segments(r)
    present = [int(c) for c in np.unique(cyc)]
    want = present if cycle is None else [int(c) for c in np.atleast_1d(cycle) if int(c) in present]
    colour, cmap, many = _cycle_colours(want)
    ys = []
    for c in want:
        for sgn, style, what in ((1, "-", "charge"), (-1, "--", "discharge")):
            m = (cyc == c) & (direction == sgn) & ~held
            if m.sum() < 3:
                continue
            x, y = dqdv_curve(v[m], q[m], bin_V=bin_V, smoothing=smoothing)
            if not x.size:
                continue
            ax.plot(x, y, style, color=colour[c], lw=1.2, label=None if many else f"cycle {c} {what}")
            ys.append(y)
    ax.axhline(0.0, color="k", lw=0.5)
    ax.set_yscale("linear")
    ax.set_xlabel(POTENTIAL)
    ax.set_ylabel(DQDV)
    ax.grid(alpha=0.3)
    _fit_ylim(ax, ys)
    if many and fig is not None and want:
        import matplotlib
        sm = matplotlib.cm.ScalarMappable(cmap=cmap, norm=matplotlib.colors.Normalize(want[0], want[-1]))
        fig.colorbar(sm, ax=ax, label=CYCLE)
    elif ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="x-small")
    ax.text(0.01, 0.01, "charge > 0, discharge < 0" + (f"; smoothed over {1000 * smoothing:.0f} mV" if smoothing
                                                      else ""), transform=ax.transAxes, fontsize="x-small",
            color="0.4")


def _fit_ylim(ax, ys, margin=0.08):
    """Finite y-limits that cover every finite value of the curves `ys`."""
    vals = np.concatenate([np.asarray(y, dtype=float).ravel() for y in ys]) if ys else np.array([])
    vals = vals[np.isfinite(vals)]
    if not vals.size:
        return
    lo, hi = min(vals.min(), 0.0), max(vals.max(), 0.0)
    pad = margin * (hi - lo) if hi > lo else 1.0
    ax.set_ylim(lo - pad, hi + pad)


# ---- the public figures --------------------------------------------------------------

def capacity_vs_cycle(r):
    """Charge and discharge capacity vs cycle, with the retention (discharge capacity
    relative to cycle 1's) on a right-hand axis and annotated at the last cycle, and the
    coulombic efficiency below."""
    fig = _figure(figsize=(7, 6.5))
    ax, ax_ce = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    _draw_capacity(ax, r)
    ax.set_xlabel("")
    _draw_ce(ax_ce, r)
    fig.suptitle(_title(r), fontsize="medium")
    fig.tight_layout()
    return fig


def potential_vs_capacity(r, cycles=None):
    """Potential vs specific capacity from the start of each charge and discharge (solid:
    charge, dashed: discharge), coloured by cycle; `cycles` selects some (default all)."""
    fig = _figure(figsize=(8, 5.5))
    ax = fig.subplots()
    _draw_potential_capacity(ax, r, cycles, fig)
    ax.set_title(_title(r), fontsize="medium")
    fig.tight_layout()
    return fig


def voltage_current_vs_time(r):
    """Potential and current vs time; potentiostatic holds (orange) and rests (green)
    shaded and labelled with their step."""
    fig = _figure(figsize=(9, 6.5))
    ax_v, ax_i = fig.subplots(2, 1, sharex=True)
    _draw_time(ax_v, ax_i, r)
    ax_v.set_title(_title(r), fontsize="medium")
    fig.tight_layout()
    return fig


def ledger_bars(r):
    """The loss ledger (charge - discharge, mA.h/g) per cycle as stacked bars: positive
    terms stack up from 0, negative ones down; black diamonds mark the total."""
    fig = _figure(figsize=(7, 5))
    ax = fig.subplots()
    _draw_ledger(ax, r)
    ax.set_title(_title(r), fontsize="medium")
    fig.tight_layout()
    return fig


def dqdv(r, cycle=None, smoothing=0.03, bin_V=0.005):
    """Differential capacity dQ/dV vs potential on a linear axis, charge (solid, > 0) and
    discharge (dashed, < 0) of each cycle (or of `cycle`: a number or a list). The
    capacity is binned on `bin_V` volts and smoothed with a Savitzky-Golay filter
    `smoothing` volts wide (0: raw bins). Potentiostatic holds are left out (all their
    charge at one potential)."""
    fig = _figure(figsize=(8, 5.5))
    ax = fig.subplots()
    _draw_dqdv(ax, r, cycle, smoothing, bin_V, fig)
    ax.set_title(_title(r), fontsize="medium")
    fig.tight_layout()
    return fig


def overview(r):
    """Potential and current vs time (holds shaded), potential vs capacity, capacity vs
    cycle with retention, and dQ/dV, on one figure."""
    fig = _figure(figsize=(13, 9))
    gs = fig.add_gridspec(3, 2, height_ratios=[1, 1, 1.2])
    ax_v = fig.add_subplot(gs[0, 0])
    ax_i = fig.add_subplot(gs[1, 0], sharex=ax_v)
    _draw_time(ax_v, ax_i, r)
    ax_pq = fig.add_subplot(gs[0:2, 1])
    _draw_potential_capacity(ax_pq, r, None, None)
    ax_c = fig.add_subplot(gs[2, 0])
    _draw_capacity(ax_c, r, retention=True)
    ax_d = fig.add_subplot(gs[2, 1])
    _draw_dqdv(ax_d, r)
    fig.suptitle(_title(r), fontsize="medium")
    fig.tight_layout()
    return fig


KINDS = {"overview": overview, "capacity": capacity_vs_cycle, "potential": potential_vs_capacity,
         "time": voltage_current_vs_time, "ledger": ledger_bars, "dqdv": dqdv}


def plot(r, kind="overview", **kwargs):
    """The figure `kind` of a Result (what Result.plot(kind) does): one of overview,
    capacity, potential, time, ledger, dqdv; keyword arguments go to that function
    (cycles= for potential, cycle= and smoothing= for dqdv)."""
    try:
        fn = KINDS[kind]
    except (KeyError, TypeError):
        raise ValueError(f"unknown plot kind {kind!r}; expected one of {', '.join(KINDS)}") from None
    return fn(r, **kwargs)
