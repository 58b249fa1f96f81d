"""The serving benchmark's replica-kill verdict, from each tab's tally: which viewers came
back signed in, which tabs elsewhere saw errors, whether the replica was replaced. The load
and the kill themselves run in tests/test_proxy_stack.py (the stack) and `python -m
bench.serving --quick` (the benchmark)."""
from __future__ import annotations

from bench.serving import Kill, kill_outcome
from bench.viewers import Tally


def tally(replica: str, errors: dict[str, int] = (), reconnects: list[float] = ()) -> Tally:
    t = Tally(replica=replica)
    t.errors.update(dict(errors))
    t.seconds["page"].append(0.4)
    t.seconds["reconnect"].extend(reconnects)
    return t


def verdict(viewers, screens, kill):
    return [(r.figure, r.ok, r.values) for r in kill_outcome("2 replicas", viewers, screens, kill)]


def test_every_viewer_back_signed_in_the_others_quiet_and_the_replica_replaced():
    viewers = [tally("board1", {"page: connection lost": 1}, [0.3]),
               tally("board1", {"filter: connection lost": 1}, [0.5]),
               tally("board2")]
    screens = [tally("board1", {"fragment: connection lost": 2}, [0.2]), tally("board2")]
    assert verdict(viewers, screens, Kill("board1", 100, 200, 2.1, 5.3)) == [
        ("2 of 2 viewers back signed in", True, {"viewers": 2, "back": 2, "signed_out": 0}),
        ("0 errors", True, {"tabs": 2, "errors": 0}),
        ("down after 2.1 s, up after 5.3 s", True, {"down_after": 2.1, "up_after": 5.3})]


def test_a_viewer_signed_out_an_error_elsewhere_and_a_replica_not_back_fail():
    viewers = [tally("board1", {"page: connection lost": 1}, [0.3]),
               tally("board1", {"page: connection lost": 1,
                                "reconnect: signed out: the sign-in form after reconnecting": 1}),
               tally("board1"),                        # never reconnected: not back
               tally("board2", {"page: run ended with status 3": 1})]
    screens = [tally("board2", {"fragment: no end of run within 60 s": 2})]
    rows = kill_outcome("2 replicas", viewers, screens, Kill("board1", 100, 100, 2.0, None))
    assert [(r.figure, r.ok) for r in rows] == [
        ("1 of 3 viewers back signed in", False), ("3 errors", False), ("down after 2.0 s, up after never", False)]
    assert rows[0].values == {"viewers": 3, "back": 1, "signed_out": 1}
    assert "2 runs lost their connection" in rows[0].detail
    assert rows[1].detail == ("2 tabs: 2 × fragment: no end of run within 60 s; 1 × page: run ended with status 3")
