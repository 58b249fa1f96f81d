"""The drills' summary at the end of pytest's output (also in artifacts/drills/summary.md),
with every drill test's outcome: what was tried and what failed."""
from __future__ import annotations

import pytest

from . import common


def pytest_runtest_logreport(report):
    if report.when == "call" or report.outcome != "passed":
        common.outcome(report.nodeid, report.when, report.outcome, report.duration)


def pytest_terminal_summary(terminalreporter):
    if common.has_sections():
        terminalreporter.write_sep("=", "drill summary")
        terminalreporter.write_line(common.summary_text())
        terminalreporter.write_line(f"(written to {common.SUMMARY})")


@pytest.fixture
def apptest_in_threads(monkeypatch):
    """Two things AppTest does per run that a real server does once, and that break with
    sessions in threads:

    - it keeps its mock Runtime in one class attribute and clears it after each run, so one
      run's clean-up pulls the Runtime from under another ("Runtime hasn't been created!"):
      a missing Runtime falls back to the latest one;
    - it compiles the scripts in a new ScriptCache per run, and CPython 3.11's compiler is
      not thread-safe ("AST constructor recursion depth mismatch"): like the server's
      Runtime, all sessions share one cache, whose lock makes compiling one at a time."""
    from streamlit.runtime.runtime import Runtime
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    shared, get_bytecode = ScriptCache(), ScriptCache.get_bytecode
    monkeypatch.setattr(ScriptCache, "get_bytecode", lambda self, path: get_bytecode(shared, path))
    latest = {}
    original = Runtime.instance.__func__

    def instance(cls):
        if cls._instance is not None:
            latest["runtime"] = cls._instance
            return cls._instance
        return latest["runtime"] if latest else original(cls)

    monkeypatch.setattr(Runtime, "instance", classmethod(instance))
