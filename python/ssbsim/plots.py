"""Placeholder for ssbsim.plots (the plotting module is written on its own branch and
replaces this file): every function takes a Result and returns a matplotlib Figure."""


def _todo(*args, **kwargs):
    raise NotImplementedError("ssbsim.plots is not in this build yet")


capacity_vs_cycle = potential_vs_capacity = voltage_current_vs_time = ledger_bars = dqdv = overview = _todo
