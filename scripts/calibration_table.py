#!/usr/bin/python3
"""docs/calibration.md's side-by-side tables (measured | tolerance | simulated | inside?), one per study.

    /usr/bin/python3 scripts/calibration_table.py [--ssbsim build/ssbsim] [--doc docs/calibration.md]
        [--study study_b ...] [--stdout]

Study A's rows come from scripts/study_a_table.py; the all-studies fit's table (fit_all) from
its committed report configs/data/fit_all_report.json; Studies B, C and D from the data files and
cells of configs/data/targets.yaml, each simulated with `ssbsim validate` (the metric code the
fit and the tests use too). The tables replace the text between the markers
<!-- table:NAME --> and <!-- /table:NAME --> of the document; everything else (the hand-written
prose) stays. --stdout prints the tables instead. Study B's full table runs 500 cycles.
"""
import argparse
import csv
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "configs", "data")

# How a metric is shown: (unit text, factor from the comparison's value).
DISPLAY = {"1": ("%", 100.0), "mAh/g": ("mAh/g", 1.0), "mWh/g": ("mWh/g", 1.0), "MPa": ("MPa", 1.0)}
LABELS = {
    "discharge_capacity": "discharge capacity",
    "charge_capacity": "charge capacity",
    "coulombic_efficiency": "CE",
    "coulombic_efficiency_min_from": "lowest CE",
    "retention": "capacity retention",
    "dead_fraction": "isolated CAM fraction at the end",
    "stack_pressure_change_at_charge_start": "stack-pressure change at the start of charge [MPa]",
}


def read_csv(path):
    """Rows of a data file (comment lines dropped) as dicts keyed by the bare column name."""
    with open(path) as f:
        lines = [l for l in f if l.strip() and not l.lstrip().startswith("#")]
    reader = csv.reader(io.StringIO("".join(lines)))
    header = [re.sub(r"\s*\[.*\]\s*$", "", h).strip() for h in next(reader)]
    return header, [dict(zip(header, r)) for r in reader]


def is_relation(header):
    return "relation" in header and "metric" in header


def validate(ssbsim, config, sets, data, workdir):
    """`ssbsim validate` of one data file; its comparison rows."""
    out = tempfile.mkdtemp(dir=workdir)
    cmd = [ssbsim, "validate", config, "--data", data, "-o", out, "--no-plot", "-q", "-j", "1"]
    for s in sets:
        cmd += ["--set", s]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "comparison.json")) as f:
        return json.load(f)["rows"]


def simulated(ssbsim, config, sets, wanted, workdir):
    """Simulated metrics {(metric, cycle): (value, unit)} of a cell: `ssbsim validate` against a
    placeholder table naming them (metrics ssbsim does not compute stay absent)."""
    cycles = sorted({c for _, c in wanted})
    metrics = sorted({m for m, _ in wanted})
    path = os.path.join(workdir, "placeholder.csv")
    with open(path, "w") as f:
        f.write("cycle," + ",".join(metrics) + "\n")
        for c in cycles:
            f.write(f"{c}," + ",".join("0" for _ in metrics) + "\n")
    out = {}
    for r in validate(ssbsim, config, sets, path, workdir):
        if r["simulated"] is not None:
            out[(r["metric"], r["cycle"])] = (r["simulated"], r["unit"])
    return out


def shown(value, unit, digits=None):
    if value is None:
        return "not computed"
    u, k = DISPLAY.get(unit, (unit, 1.0))
    digits = (2 if u in ("%", "MPa") else 1) if digits is None else digits
    return f"{k * value:.{digits}f} {u}".strip()


def label(metric, cycle):
    return f"{LABELS.get(metric, metric)}, cycle {cycle}"


def measured_rows(ssbsim, config, sets, path, workdir):
    rows = []
    for r in validate(ssbsim, config, sets, path, workdir):
        u, k = DISPLAY.get(r["unit"], (r["unit"], 1.0))
        q = label(r["metric"], r["cycle"])
        if r["metric"] == "coulombic_efficiency_min_from":
            q = f"lowest CE from cycle {r['cycle']} on"
            meas, tol = f"> {k * (r['measured'] - r['sigma']):g} {u}", f"[{k * (r['measured'] - r['sigma']):g}, " \
                f"{k * (r['measured'] + r['sigma']):g}] {u}"
        else:
            meas, tol = f"{k * r['measured']:g} {u}", f"+- {k * r['sigma']:g} {'pp' if u == '%' else u}"
        sim = r["simulated"]
        inside = "-" if sim is None else ("yes" if abs(sim - r["measured"]) <= r["sigma"] * (1 + 1e-9) else "no")
        rows.append((q, meas, tol, shown(sim, r["unit"]), inside))
    return rows


def relation_rows(ssbsim, study, variant, header, lines, workdir):
    base = os.path.join(DATA, study["config"])
    wanted = [(l["metric"], int(l["cycle"])) for l in lines]
    sims = {variant: simulated(ssbsim, base, study["variants"][variant], wanted, workdir)}
    rows = []
    for l in lines:
        m, c, rel, than = l["metric"], int(l["cycle"]), l["relation"].strip(), l["than"].strip()
        v = sims[variant].get((m, c))
        if than in study["variants"]:
            if than not in sims:
                sims[than] = simulated(ssbsim, base, study["variants"][than], wanted, workdir)
            ref = sims[than].get((m, c))
            meas = f"{variant} {rel} {than}"
            sim = f"{shown(*v) if v else 'not computed'} vs {shown(*ref) if ref else 'not computed'}"
            refv = ref[0] if ref else None
        else:
            refv = float(than)
            meas, sim = f"{rel} {than}", shown(*v) if v else "not computed"
        ok = None if v is None or refv is None else (v[0] < refv if rel == "<" else v[0] > refv)
        rows.append((label(m, c), meas, "relation", sim, "-" if ok is None else ("yes" if ok else "no")))
    return rows


def markdown(rows, measured_header="measured"):
    out = [f"| quantity | {measured_header} | tolerance | simulated | inside? |", "| --- | --- | --- | --- | --- |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def study_table(ssbsim, name, study, workdir):
    rows = []
    for d in study["data"]:
        path = os.path.join(DATA, d["file"])
        header, lines = read_csv(path)
        if is_relation(header):
            rows += relation_rows(ssbsim, study, d["variant"], header, lines, workdir)
        else:
            rows += measured_rows(ssbsim, os.path.join(DATA, study["config"]), study["variants"][d["variant"]],
                                  path, workdir)
    return markdown(rows)


NUMBER = r"([-+]?\d+(?:\.\d+)?)"


def with_tolerance(quantity, measured, sim):
    """A row of study_a_table.py's printed table (quantity | measured | simulated) with the
    tolerance and the verdict: the stated error bar ("87.5 +- 1.7 %"), else issue #10's default
    (0.5 pp for a CE, 10 % of the value otherwise); "-" for rows that are not one number
    (relations, several values)."""
    m = re.fullmatch(r"(?:about\s+)?" + NUMBER + r"(?:\s*\+-\s*" + NUMBER + r")?\s*(%|mAh/g)?(?: of charge)?", measured.strip())
    s = re.fullmatch(NUMBER + r"\s*(%|mAh/g)?", sim.strip())
    if not m or not s:
        return quantity, measured, "-", sim, "-"
    value, unit = float(m.group(1)), m.group(3) or ""
    if m.group(2):
        tol = float(m.group(2))
    elif unit == "%" and "CE" in quantity:
        tol = 0.5
    else:
        tol = 0.1 * abs(value)
    tol_text = f"+- {tol:g} {'pp' if unit == '%' else unit}".strip()
    return quantity, measured, tol_text, sim, "yes" if abs(float(s.group(1)) - value) <= tol * (1 + 1e-9) else "no"


def study_a_table(ssbsim):
    """scripts/study_a_table.py's rows: its rows(ssbsim) when it has one (quantity, measured,
    tolerance, simulated, inside), else the rows of its printed Markdown table, with the
    tolerance and verdict added where the row is one number (with_tolerance)."""
    spec = importlib.util.spec_from_file_location("study_a_table", os.path.join(ROOT, "scripts", "study_a_table.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if hasattr(mod, "rows"):
        return markdown([tuple(str(x) for x in r) for r in mod.rows(ssbsim)], "measured (Kaeli et al.)")
    printed = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "study_a_table.py"), "--ssbsim", ssbsim],
                             check=True, capture_output=True, text=True).stdout
    cells = [[c.strip() for c in l.strip().strip("|").split("|")] for l in printed.splitlines() if l.startswith("|")]
    body = [c for c in cells[2:] if len(c) == 3]
    if len(body) != len(cells) - 2:  # not the three-column layout: as printed
        return printed
    return markdown([with_tolerance(*c) for c in body], "measured (Kaeli et al.)")


def fit_all_table():
    """The all-studies fit's parameters and correlations, from the committed report
    configs/data/fit_all_report.json (written by `ssbsim fit configs/data/fit_all.yaml`)."""
    with open(os.path.join(DATA, "fit_all_report.json")) as f:
        r = json.load(f)
    short = [p["key"].replace("chemistry.", "").replace("materials.", "") for p in r["parameters"]]
    lines = ["| parameter | unit | start | fitted (shipped) | one sigma |", "| --- | --- | --- | --- | --- |"]
    for p, name in zip(r["parameters"], short):
        if p["scale"] == "log":
            sigma = f"x{10 ** p['sigma_log10']:.2g}"
        else:
            sigma = f"+- {p['sigma']:.3g}"
        lines.append(f"| `{name}` | {p['unit'] or '-'} | {p['initial']:.4g} | {p['fitted']:.4g} | {sigma} |")
    lines += ["", "Correlations (same order):", "",
              "| | " + " | ".join(str(i + 1) for i in range(len(short))) + " |",
              "| --- | " + " | ".join("---" for _ in short) + " |"]
    for i, row in enumerate(r["correlation"]):
        lines.append(f"| {i + 1} `{short[i]}` | " + " | ".join(f"{c:+.2f}" for c in row) + " |")
    lines += ["", f"{r['iterations']} iterations, {r['simulations']} simulations, {r['seconds'] / 60:.0f} min; "
              f"cost {r['initial_cost']:.4g} -> {r['final_cost']:.4g} over {r['residuals']} residuals "
              f"(reduced chi2 {r['reduced_chi2']:.3g}); {r['termination']}"]
    return "\n".join(lines) + "\n"


def replace_between(doc, name, table):
    begin, end = f"<!-- table:{name} -->", f"<!-- /table:{name} -->"
    i, j = doc.find(begin), doc.find(end)
    if i < 0 or j < i:
        raise SystemExit(f"docs: no markers {begin} ... {end}")
    return doc[: i + len(begin)] + "\n" + table + doc[j:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ssbsim", default=os.path.join(ROOT, "build", "ssbsim"))
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "calibration.md"))
    ap.add_argument("--study", action="append", help="only these tables (study_a, study_b, ...)")
    ap.add_argument("--stdout", action="store_true", help="print the tables, do not touch the document")
    args = ap.parse_args()
    ssbsim = os.path.abspath(args.ssbsim)
    with open(os.path.join(DATA, "targets.yaml")) as f:
        studies = yaml.safe_load(f)["studies"]
    names = args.study or ["study_a"] + list(studies) + ["fit_all"]
    tables = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in names:
            if n == "fit_all":
                tables[n] = fit_all_table()
            else:
                tables[n] = study_a_table(ssbsim) if n == "study_a" else study_table(ssbsim, n, studies[n], tmp)
    if args.stdout:
        for n in names:
            title = studies[n]["title"] if n in studies else {"study_a": "Study A: Kaeli et al. (Stanford/SLAC)",
                                                               "fit_all": "The all-studies fit"}[n]
            print(f"{title}\n\n<!-- table:{n} -->\n{tables[n]}<!-- /table:{n} -->\n")
        return 0
    with open(args.doc) as f:
        doc = f.read()
    for n in names:
        doc = replace_between(doc, n, tables[n])
    with open(args.doc, "w") as f:
        f.write(doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
