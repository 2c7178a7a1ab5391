"""Reading the summary.csv of `ssbsim sweep`, shared by the example plot scripts."""
import csv
import math
import os
import re
import sys

_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)")


def fail(prog, message):
    """Print an error naming the script and exit with code 2."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    sys.exit(2)


def number(text):
    """A CSV cell as float: NaN when empty; a leading number is taken from '66' or '3600 s'."""
    if text is None or text.strip() == "":
        return math.nan
    try:
        return float(text)
    except ValueError:
        m = _NUMBER.match(text)
        return float(m.group(1)) if m else math.nan


def read_summary(path, needed, prog, sweep_file, describe=lambda row: ""):
    """(complete rows as dicts, column names) of summary.csv.

    Exits 2 when the file is missing or empty, lacks a needed column, or has no complete
    case; cases that are not complete are listed on stderr and left out."""
    if not os.path.isfile(path):
        fail(prog, f"no such file: {path} (run the sweep first: ./build/ssbsim sweep {sweep_file} -o DIR)")
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        columns = reader.fieldnames or []
        rows = list(reader)
    if not columns:
        fail(prog, f"{path} is empty (no header row)")
    missing = [c for c in ["case", "status"] + list(needed) if c not in columns]
    if missing:
        fail(prog, f"{path} has no column(s) {', '.join(missing)}; is it the summary.csv of this sweep?")
    for r in rows:
        if r["status"] != "complete":
            print(f"{prog}: warning: case {r['case']}{describe(r)} is {r['status'] or 'missing'}"
                  f"{': ' + r['message'] if r.get('message') else ''} (not plotted)", file=sys.stderr)
    good = [r for r in rows if r["status"] == "complete"]
    if not good:
        fail(prog, f"{path} has no complete case ({len(rows)} case(s) in the file)")
    return good, columns
