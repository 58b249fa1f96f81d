"""A neighbourhood viewer's scope holds in EVERY query function: each public function of
boardkit.queries.* (and the figure and status functions) is called with a one-neighbourhood
scope, and every row it returns that names a neighbourhood names that one; and again with a
sub-district head's scope in a district of two sub-districts (resolved from the reference
pack as at sign-in), every row naming one of that sub-district's neighbourhoods. New query
functions are picked up automatically."""
from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil

import pandas as pd
import pytest

import boardkit.queries
from board_helpers import TWO_SUBDISTRICTS
from boardkit.data.clock import make_clock
from boardkit.data.db import Scope, current_generation
from etl.reference import name_key

CODE, NAME = "310115010001", "八一居民区"
HEAD_OF = TWO_SUBDISTRICTS[1]  # the second sub-district: its codes do not sort first
EXPLORE = {"run"}  # takes a Spec: covered by test_explore_rows_and_groups_respect_scope


def _query_functions():
    found = []
    for info in pkgutil.iter_modules(boardkit.queries.__path__):
        module = importlib.import_module(f"boardkit.queries.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_") \
                    and "scope" in inspect.signature(fn).parameters and fn.__name__ not in EXPLORE:
                found.append(pytest.param(fn, id=f"{info.name}.{name}"))
    from boardkit.metrics import figures, status, surges, faq
    for fn in (status.neighbourhood_status, surges.surge_panel_rows, faq.questions_by_day):
        found.append(pytest.param(fn, id=f"{fn.__module__}.{fn.__name__}"))
    return found


def _arguments(fn, gen, clock, scope) -> dict | None:
    known = {"gen": gen, "scope": scope, "clock": clock, "start": clock.day - dt.timedelta(days=29),
             "end": clock.day, "day": clock.day, "now": clock.now, "today": clock.now.date(), "limit": 100,
             "k": 3, "top": 10, "days": 3, "baseline_days": 14, "catering": "餐饮",
             "keys": [("topic", t) for t in ("quarantine", "community", "enterprise", "health")],
             "dataset": "hotline", "column": "neighbourhood"}
    args = {}
    for name, param in inspect.signature(fn).parameters.items():
        if name in known:
            args[name] = known[name]
        elif param.default is inspect.Parameter.empty and param.kind not in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            return None
    return args


def _frames(result):
    if isinstance(result, pd.DataFrame):
        yield result
    elif isinstance(result, dict):
        for value in result.values():
            yield from _frames(value)
    elif isinstance(result, (list, tuple)):
        for value in result:
            if isinstance(value, dict):
                yield pd.DataFrame([value])
            else:
                yield from _frames(value)


@pytest.fixture(params=["committee", "subdistrict"])
def viewer_scope(request) -> tuple[Scope, set, set]:
    """(scope, its neighbourhood codes, their names as rows may spell them): the 八一
    committee on the sub-district demo; the head of HEAD_OF in the two-sub-district
    database, the scope resolved from its pack as at sign-in."""
    if request.param == "committee":
        request.getfixturevalue("board_env")
        return Scope((CODE,), show_room=True), {CODE}, {NAME, "八一"}
    request.getfixturevalue("two_subdistrict_env")
    from boardkit.app.auth import viewer_of
    from core.users import User
    scope = viewer_of(User("head", "subdistrict", subdistrict=HEAD_OF["code"])).scope
    codes = {code for code, _, _ in HEAD_OF["neighbourhoods"]}
    assert set(scope.codes) == codes
    return scope, codes, {n for _, name, _ in HEAD_OF["neighbourhoods"] for n in (name, name_key(name))}


@pytest.mark.parametrize("fn", _query_functions())
def test_one_neighbourhood_scope_returns_only_its_rows(fn, viewer_scope):
    gen = current_generation()
    clock = make_clock(gen)
    scope, codes, names = viewer_scope
    args = _arguments(fn, gen, clock, scope)
    if args is None:
        pytest.fail(f"{fn.__name__}: add its required parameters to _arguments so its scope is checked")
    for frame in _frames(fn(**args)):
        if "neighbourhood_code" in frame:
            assert set(frame["neighbourhood_code"].dropna()) <= codes, fn.__name__
            assert frame["neighbourhood_code"].notna().all(), f"{fn.__name__}: rows without a neighbourhood leak"
        # `name` is a neighbourhood's name only beside its code (elsewhere it is a firm's).
        columns = ["neighbourhood", "居民区"] + (["name"] if "neighbourhood_code" in frame else [])
        for column in (c for c in columns if c in frame):
            values = set(frame[column].dropna().astype(str))
            assert values <= names, (fn.__name__, column, sorted(values)[:5])


@pytest.mark.parametrize("dataset", ["hotline", "persons", "alarms", "enterprises"])
def test_explore_rows_and_groups_respect_scope(dataset, viewer_scope):
    """The explore page's free-form query: raw (masked) rows and a group-by, one neighbourhood
    (a committee) or the neighbourhoods of one sub-district (its head)."""
    from boardkit.data.datasets import Spec
    from boardkit.queries.explore import distinct_values, run
    gen = current_generation()
    scope, _, names = viewer_scope
    assert set(distinct_values(gen, scope, dataset, "neighbourhood")) <= names
    rows, _ = run(gen, scope, Spec(dataset))
    assert {name_key(n) for n in rows["neighbourhood"]} == {name_key(n) for n in names}, dataset
    groups, _ = run(gen, scope, Spec(dataset, group_by=("neighbourhood",)))
    assert set(groups["g1"]) == set(rows["neighbourhood"]) and groups["value"].sum() == len(rows) \
        or len(rows) >= 50000


def test_hostile_scope_values_are_bound_and_return_nothing(board_env):
    """Codes carrying SQL change nothing: they are bound as a list parameter."""
    from boardkit.metrics.figures import overview_figures
    gen = current_generation()
    clock = make_clock(gen)
    for hostile in ("' OR 1=1 --", '"; DROP TABLE hotline_tickets; --', "310115010001' OR '1'='1"):
        figures = overview_figures(gen, clock, Scope((hostile,)))
        assert figures["hotline_received"].value == 0 and figures["alarm_unhandled"].value == 0
    assert overview_figures(gen, clock, Scope(None))["hotline_received"].value > 0  # table still there
