#!/usr/bin/python3
"""Executes examples/python headless: the tutorial notebook (nbclient, in the notebook's
directory, every cell, errors fail) or the three example scripts (each in a temporary
directory, figures written there).

    run_examples.py notebook|scripts SOURCE_DIR

Exit 0 when everything ran; 1 when a cell or a script failed (the error is printed).
"""
import os
import subprocess
import sys
import tempfile


def main():
    what, src = sys.argv[1], os.path.abspath(sys.argv[2])
    ex = os.path.join(src, "examples", "python")
    if what == "notebook":
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
        path = os.path.join(ex, "tutorial.ipynb")
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": ex}})
        try:
            client.execute()
        except CellExecutionError as e:
            print(f"{path}: a cell failed:\n{e}", file=sys.stderr)
            return 1
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                  if o.get("output_type") == "error"]
        images = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                  if "image/png" in o.get("data", {})]
        if errors or not images:
            print(f"{path}: {len(errors)} error output(s), {len(images)} figure(s) (expected 0 and >= 1)",
                  file=sys.stderr)
            return 1
        print(f"{path}: {len(nb.cells)} cells executed, {len(images)} figure(s)")
        return 0
    failed = 0
    for script in ("run_and_plot.py", "hold_sweep.py", "carbon_study.py"):
        with tempfile.TemporaryDirectory() as d:
            p = subprocess.run([sys.executable, os.path.join(ex, script), d], cwd=d, capture_output=True,
                               text=True, timeout=600)
            pngs = [f for f in os.listdir(d) if f.endswith(".png")]
        ok = p.returncode == 0 and (script == "hold_sweep.py" or pngs)
        print(f"{script}: exit {p.returncode}, {len(pngs)} figure(s)" + ("" if ok else "\n" + p.stdout + p.stderr))
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
