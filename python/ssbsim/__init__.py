"""ssbsim: composite-cathode simulator for sulfide solid-state batteries, from Python.

    import ssbsim
    r = ssbsim.run()                        # the embedded default: Study A, first cycle
    r["Potential vs Li/Li+ [V]"], r["Time [h]"], r.cycles, r.ledger
    r = ssbsim.run("my.yaml", set={"protocol.steps.3": "Hold at 2.0 V for 66 hours"})
    table = ssbsim.sweep("examples/hold_sweep/hold_sweep.yaml", jobs=2)

The solve runs in this process on the library the CLI uses, without the GIL; Ctrl-C stops
it. Errors are ssbsim.ConfigError (file, line, key), ssbsim.SolverError (time, step,
variable), ssbsim.DataError (file, line, column) and ssbsim.IoError, all ssbsim.Error.
"""

from ._core import __version__
from .api import check, load, materials, run, sweep
from .errors import ConfigError, DataError, Error, IoError, SolverError
from .result import Result

__all__ = ["run", "load", "check", "sweep", "materials", "Result", "Error", "ConfigError", "DataError",
           "SolverError", "IoError", "__version__"]
