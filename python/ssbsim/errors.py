"""ssbsim's exceptions. Each keeps the library's message as str(e), which names the file,
the line and the key (or column), and the expected form."""


class Error(Exception):
    """Base of every ssbsim error."""

    def __init__(self, message="", **attributes):
        super().__init__(message)
        self.message = message
        for name, value in attributes.items():
            setattr(self, name, value)

    def __str__(self):
        return self.message


class ConfigError(Error, ValueError):
    """A configuration problem: ``file`` (path, "<string>", "<dict>" or "--set ..."),
    ``line`` (1-based; 0 when unknown) and ``key`` (the key path, e.g. "cell.cathode.loading")."""

    def __init__(self, message="", file="", line=0, key="", **attributes):
        super().__init__(message, file=file, line=line, key=key, **attributes)


class DataError(Error, ValueError):
    """A measured-data file could not be read: ``file``, ``line`` (1-based; 0 for the file
    as a whole) and ``column``."""

    def __init__(self, message="", file="", line=0, column="", **attributes):
        super().__init__(message, file=file, line=line, column=column, **attributes)


class SolverError(Error, RuntimeError):
    """The integrator failed. ``time`` [s], ``step`` (1-based protocol step), ``step_label``,
    ``cycle`` and ``variable`` (the solution component with the largest error) when the
    message names them, else None. ``result`` holds what was computed up to the failure
    (a Result) when the failure ended a run."""

    def __init__(self, message="", time=None, step=None, variable=None, result=None, **attributes):
        parsed = _parse_solver_message(message)
        parsed.update({k: v for k, v in dict(time=time, step=step, variable=variable).items() if v is not None})
        parsed.update(attributes)
        super().__init__(message, result=result, **parsed)


class IoError(Error, OSError):
    """Reading or writing a result file failed (the message names the file)."""

    def __init__(self, message="", **attributes):
        Error.__init__(self, message, **attributes)

    def __str__(self):
        return self.message


def _parse_solver_message(message):
    import re

    out = {"time": None, "step": None, "step_label": None, "cycle": None, "variable": None}
    m = re.search(r"at t = ([-+0-9.eE]+) s", message)
    if m:
        out["time"] = float(m.group(1))
    m = re.search(r"step (\d+) '([^']*)'", message)
    if m:
        out["step"] = int(m.group(1))
        out["step_label"] = m.group(2)
    m = re.search(r"cycle (\d+)", message)
    if m:
        out["cycle"] = int(m.group(1))
    m = re.search(r"largest weighted local errors: (\S+)", message)
    if m:
        out["variable"] = m.group(1)
    return out
