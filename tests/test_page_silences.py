"""The silence form on the 门磁报警 page: a leader silences a neighbourhood's offline notices
with a reason (audited, listed with who/why/until) and ends it early; door-open and tamper
are not offered; an empty reason is refused with a message; a committee viewer sees no
silences at all."""
from __future__ import annotations

import pytest

from boardkit.app import audit
from etl_helpers import override_settings
from page_helpers import COMMITTEE, neighbourhoods, open_page, rerun, sign_in_required

LEADER = ("lead", "lead-pass-1")


@pytest.fixture
def signed_in(board_env, tmp_path, monkeypatch):
    sign_in_required(monkeypatch, tmp_path)
    log_file = tmp_path / "notify.sqlite"
    override_settings(monkeypatch, {"notify.log_file": str(log_file)})
    return log_file


def widget(items, label: str):
    [found] = [w for w in items if w.label == label]
    return found


def test_a_leader_silences_offline_notices_and_ends_the_silence_early(signed_in):
    at = open_page("alarms", user=LEADER)
    assert any(s.value == "提醒静默（群机器人）" for s in at.subheader)
    assert widget(at.multiselect, "报警类型").options == ["离线", "低电量", "按铃"]  # no 开门, no 防拆
    name = neighbourhoods()[0][1]
    widget(at.selectbox, "居民区").set_value(name)
    widget(at.multiselect, "报警类型").set_value(["offline"])
    widget(at.button, "静默提醒").click()
    rerun(at)
    assert any("请填写静默原因" in e.value for e in at.error)

    widget(at.selectbox, "居民区").set_value(name)
    widget(at.multiselect, "报警类型").set_value(["offline"])
    widget(at.text_input, "原因（必填）").input("设备送修，预计两天")
    widget(at.button, "静默提醒").click()
    rerun(at)
    shown = [f.value for f in at.dataframe if "原因" in f.value.columns]
    assert len(shown) == 1
    assert list(shown[0][["居民区", "报警类型", "原因", "设置人"]].itertuples(index=False, name=None)) == \
        [(name, "离线", "设备送修，预计两天", "lead")]
    [added] = audit.recent(10, "silence")[["user", "page"]].itertuples(index=False, name=None)
    assert added == ("lead", "门磁报警")

    widget(at.button, "结束所选静默").click()
    rerun(at)
    assert not [f for f in at.dataframe if "原因" in f.value.columns]
    assert any("当前没有生效的静默" in c.value for c in at.caption)
    assert len(audit.recent(10, "silence_end")) == 1


def test_a_committee_viewer_sees_no_silence_form(signed_in):
    at = open_page("alarms", user=COMMITTEE)
    assert not any(s.value == "提醒静默（群机器人）" for s in at.subheader)
    assert not [w for w in at.multiselect if w.label == "报警类型"]
    assert not [b for b in at.button if b.label == "静默提醒"]
