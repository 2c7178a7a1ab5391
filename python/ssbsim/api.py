"""The functions of the ssbsim package: run, load, check, sweep, materials."""

import json
import os
import tempfile
import warnings

from . import _core
from .errors import SolverError
from .result import Result, _pd, _yaml_dict


def _config_args(config):
    """(path, text, name) for _core: a path, YAML text or a dict (None: the embedded default)."""
    if config is None:
        return "", None, ""
    if isinstance(config, dict):
        import yaml

        return "", yaml.safe_dump(config, sort_keys=False), "<dict>"
    if isinstance(config, os.PathLike):
        return os.fspath(config), None, ""
    if isinstance(config, bytes):
        config = config.decode()
    if isinstance(config, str):
        if "\n" in config or (":" in config and not os.path.exists(config)):
            return "", config, "<string>"
        return config, None, ""
    raise TypeError(f"config must be a path, YAML text or a dict, not {type(config).__name__}")


def _value_text(v):
    """A Python value as the YAML text of a --set assignment."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if hasattr(v, "item") and not isinstance(v, (list, tuple, dict, str)):
        v = v.item()  # numpy scalars
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return v
    if isinstance(v, (list, tuple, dict)):
        return json.dumps(v)  # JSON is YAML flow style
    return str(v)


def _set_args(set):
    """--set assignments from a dict {key path: value}, a list of "key=value" strings or
    (key, value) pairs, or one "key=value" string."""
    if set is None:
        return []
    if isinstance(set, str):
        return [set]
    if isinstance(set, dict):
        return [f"{k}={_value_text(v)}" for k, v in set.items()]
    out = []
    for item in set:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            out.append(f"{item[0]}={_value_text(item[1])}")
        else:
            raise TypeError(f"set: expected 'key=value' or (key, value), got {item!r}")
    return out


def run(config=None, set=None, output=None, progress=False):
    """Runs a config in this process and returns a Result.

    config: a path, YAML text, or a dict; None runs the embedded default (Study A's first
    cycle). set: key paths as for ``ssbsim run --set``, as a dict ({"cell.temperature":
    "25 degC", "protocol.steps.3": "Hold at 2.0 V for 66 hours"}) or a list of "key=value".
    output: None keeps everything in memory (no file); a path also writes the usual HDF5.
    progress: draw a progress line on stderr.

    A solver failure raises SolverError (``e.result`` holds everything up to it); Ctrl-C
    stops the run at its next solver step and raises KeyboardInterrupt (``e.result``
    likewise; with output=path the file has it too, status "interrupted").
    """
    path, text, name = _config_args(config)
    if output is not None:
        output = os.fspath(output)
    raw = _core.run(path, text, name, _set_args(set), output, bool(progress))
    result = Result(raw)
    if result.status == "failed":
        raise SolverError(result.message, result=result)
    if result.status == "interrupted" or raw.get("sigint"):
        e = KeyboardInterrupt(result.message or "interrupted after the run completed")
        e.result = result
        raise e
    if result.status == "output_limit":
        warnings.warn(f"ssbsim: {result.message}", RuntimeWarning, stacklevel=2)
    return result


def load(path):
    """Reads any ssbsim result file (also one of a failed or killed run)."""
    return Result(_core.load(os.fspath(path)))


def check(config=None, set=None):
    """The fully resolved config as a dict, as ``ssbsim check --print`` shows it; raises
    ConfigError (file, line, key) for a broken one."""
    path, text, name = _config_args(config)
    return _yaml_dict(_core.check(path, text, name, _set_args(set)))


def materials():
    """The material library: a list of dicts with "name", "kind", "sources" (property ->
    where its value comes from) and "definition" (the whole entry)."""
    out = []
    for name, kind, text in _core.materials():
        d = _yaml_dict(text)
        out.append({"name": name, "kind": kind, "sources": d.get("sources", {}), "definition": d})
    return out


def _number_column(values):
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError):
        return list(values)


def sweep(sweep, jobs=None, output=None, progress=False):
    """Runs a sweep file on the same worker pool as ``ssbsim sweep`` (forked workers, one
    case each at a time) and returns the summary table: one row per case with "case",
    "status", "message", one column per swept key, and c<N>_<metric> per cycle, as in
    summary.csv (full precision). A DataFrame when pandas imports (``df.attrs["directory"]``
    is the output directory), else a dict of arrays.

    sweep: the path of a sweep file, or a dict in the same form (base, set, parameters,
    combine, name; a relative base is relative to the working directory).
    output: the directory for the case files and summary (resumable, as with the CLI);
    None: a new temporary directory. jobs: worker processes (None: one per CPU).
    """
    import numpy as np

    if output is None:
        output = tempfile.mkdtemp(prefix="ssbsim-sweep-")
    if isinstance(sweep, dict):
        spec = dict(sweep)
        if "base" in spec and not os.path.isabs(os.fspath(spec["base"])):
            spec["base"] = os.path.abspath(os.fspath(spec["base"]))
        os.makedirs(output, exist_ok=True)
        # JSON is YAML flow style; kept beside the results, so a resume sees the same file.
        path = os.path.join(output, "sweep.yaml")
        with open(path, "w") as f:
            f.write(json.dumps(spec, indent=1) + "\n")
        sweep = path
    raw = _core.sweep(os.fspath(sweep), int(jobs or 0), os.fspath(output), bool(progress))
    cols = dict(raw["columns"])
    for key in raw["parameters"]:
        cols[key] = _number_column(cols[key])
    cols = {k: (np.asarray(v, dtype=object) if isinstance(v, list) and v and isinstance(v[0], str) else np.asarray(v))
            for k, v in cols.items()}
    if raw["failed"]:
        warnings.warn(f"ssbsim.sweep: {raw['failed']} of {raw['total']} cases failed (see the status and "
                      f"message columns; case files in {raw['directory']})", RuntimeWarning, stacklevel=2)
    if _pd is not None:
        df = _pd.DataFrame(cols)
        df.attrs["directory"] = raw["directory"]
        df.attrs["name"] = raw["name"]
        return df
    return cols
