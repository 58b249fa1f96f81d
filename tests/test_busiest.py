"""Neighbourhood bar charts at district and city scale show the busiest 30, not 6,000 bars."""
import pandas as pd

from boardkit.app import filters


def test_busiest_keeps_every_row_of_the_largest_labels():
    frame = pd.DataFrame({"居民区": [f"居民区{i}" for i in range(40) for _ in range(2)],
                          "kind": ["a", "b"] * 40, "n": [i for i in range(40) for _ in range(2)]})
    shown, total = filters.busiest(frame, "居民区", "n", n=30)
    assert total == 40
    assert set(shown["居民区"]) == {f"居民区{i}" for i in range(10, 40)}
    assert len(shown) == 60  # both kinds of each kept neighbourhood
    assert "共 40 个居民区" in filters.busiest_note(30, total)


def test_busiest_keeps_all_when_there_are_few():
    frame = pd.DataFrame({"居民区": ["八一", "港机"], "n": [3, 5]})
    shown, total = filters.busiest(frame, "居民区", "n")
    assert (len(shown), total) == (2, 2) and filters.busiest_note(2, 2) == ""
