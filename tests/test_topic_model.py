"""The hotline topic model: the hard cases by name, the model file is data only,
the featurisation, a small training run end to end, explanations and the combination with
the 25问 catalogue."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etl import model_build, topic_model
from etl.classify import classify, load_catalogue
from etl.classify_tickets import classify_tickets, explain

HARD_CASES = {
    # everyday matters that carry an epidemic-sounding word
    "days_lift_broken": ("物业不作为，电梯坏了14天没人修", "non_epidemic"),
    "days_water_cut": ("停水已经3天了，自来水公司一直说在抢修", "non_epidemic"),
    "back_home_dark": ("晚上加班回来，楼道里的灯全坏了，摸黑上楼", "non_epidemic"),
    "outside_plates": ("外地牌照的货车天天半夜在楼下卸货，吵得睡不着", "non_epidemic"),
    "road_barrier": ("路中间的隔离带被大货车撞断了，一直横在路上没人管", "non_epidemic"),
    "dish_steriliser": ("新买的消毒柜用了一周就漏电，商场不给退换", "non_epidemic"),
    "pet_fever": ("家里的狗发烧两天了，附近宠物医院都关着门", "non_epidemic"),
    "dishwasher_disinfection_mode": ("洗碗机的消毒模式一开就跳闸，售后不上门", "non_epidemic"),
    "water_tank_cleaning": ("二次供水水箱清洗消毒以后，自来水有股怪味", "non_epidemic"),
    "landlord_deposit": ("退租一个月了，房东一直不退押金", "non_epidemic"),
    "lost_parcel": ("快递显示已经签收，我根本没收到，快递员不接电话", "non_epidemic"),
    "residence_permit": ("居住证到期了，在哪里续办", "non_epidemic"),
    "newcomer_residence_permit": ("外地来沪人员办居住证要带哪些材料", "non_epidemic"),
    "unpaid_wages": ("老板拖欠我们三个月工资，一直说没钱", "non_epidemic"),
    "back_from_home_town_burst_pipe": ("从老家回来发现家里水管爆了，楼下被淹", "non_epidemic"),
    # epidemic matters told without the obvious words
    "one_gate_open": ("小区只开了一个出入口，上班高峰排队要半个小时", "community"),
    "market_closed": ("菜场关门了，附近超市又贵，哪里能买到平价菜", "community"),
    "parcel_lockers": ("快递柜什么时候能恢复使用", "community"),
    "gate_volunteers": ("门口值班的志愿者不让我爸妈进来看孙子", "community"),
    "returnees_register": ("从外地回来的人要到哪里登记", "quarantine"),
    "door_sensor_blinks": ("门上那个小盒子一直闪红灯，会不会算我开过门", "quarantine"),
    "hotel_stay_over": ("在宾馆住满了，谁来接我回家", "quarantine"),
    "shop_reopening": ("我开的奶茶店想重新开门，要先去哪里报备", "enterprise"),
    # the estate's epidemic duties are the community's; a business's rent and closure are
    # the enterprise's; a resident kept from a rented room is the community's; epidemic
    # supplies as faulty products are health
    "estate_hand_gel": ("单元门口的免洗洗手液空了一个礼拜，物业一直不补", "community"),
    "estate_gate_register": ("物业的保安在门口让我们登记，本子上谁的电话都看得到", "community"),
    "shop_rent_relief": ("我开的健身工作室关了两个月，场地租金一分没少，有没有扶持", "enterprise"),
    "wages_cut_by_shutdown": ("停工这段时间公司只发一半工资，这样合法吗", "enterprise"),
    "tenant_kept_out": ("从老家回来，二房东说要先交一笔钱才让我进出租屋", "community"),
    "faulty_thermometer": ("网上买的体温计量得不准，商家不给退", "health"),
    # two concerns: the main one decides
    "two_concerns": ("公司的复工申请交了一个礼拜还没批下来，另外我们楼下的路灯也坏了", "enterprise"),
    # the clerk's framing, dialect, typos
    "clerk_framing": ("来电人反映：其母亲发烧两天，询问附近哪个医院有发热门诊，请尽快答复。", "health"),
    "citizen_framing": ("市民来电称，对门邻居从武汉回来以后天天出门，没有在家观察。", "quarantine"),
    "dialect": ("阿拉姆妈屋里厢口罩一只也没了，侬讲到啥地方去买", "health"),
    "typo": ("从老家会来以后要格离几天", "quarantine"),
}


@pytest.fixture(scope="module")
def shipped():
    return topic_model.load_model()


@pytest.mark.parametrize("name", HARD_CASES)
def test_hard_case(name, shipped):
    text, expected = HARD_CASES[name]
    result = classify_tickets(pd.Series([text]), model=shipped).iloc[0]
    assert result["topic"] == expected, (name, result.to_dict())
    assert result["epidemic_related"] == (expected != "non_epidemic")


def test_epidemic_flag_is_the_topic_and_questions_belong_to_it(shipped):
    texts = pd.Series([t for t, _ in HARD_CASES.values()])
    result = classify_tickets(texts, model=shipped)
    assert (result["epidemic_related"] == (result["topic"] != "non_epidemic")).all()
    catalogue = load_catalogue()
    for topic, no in zip(result["topic"], result["faq_question"]):
        if not pd.isna(no):
            assert catalogue.question(int(no)).topic == topic
    assert result["topic_confidence"].between(0.2, 1.0).all()


def test_a_corrected_topic_wins_with_full_confidence(shipped):
    texts = pd.Series(["物业不作为，电梯坏了14天没人修", "楼上装修太吵"], index=[7, 9])
    result = classify_tickets(texts, model=shipped, corrected=pd.Series(["community", None], index=[7, 9]))
    assert result.loc[7, ["topic", "epidemic_related", "topic_confidence"]].tolist() == ["community", True, 1.0]
    assert result.loc[9, "topic"] == "non_epidemic" and result.loc[9, "topic_confidence"] < 1.0


def test_a_sure_model_verdict_stays_below_a_corrections_confidence():
    # a model certain of its topic (probability 1 to 4 decimals) must not look corrected
    classes = len(topic_model.CLASSES)
    sure = topic_model.Model(None, topic_model.CLASSES, np.zeros((1 << topic_model.BITS, classes), dtype=np.float32),
                             np.zeros((classes, classes)), np.array([0.0, 0.0, 0.0, 0.0, 100.0]),
                             topic_model.BITS, topic_model.NGRAM_MAX, "test")
    texts = pd.Series(["楼上装修太吵", "楼下装修太吵"])
    result = classify_tickets(texts, model=sure, corrected=pd.Series([None, "non_epidemic"]))
    assert result["topic"].tolist() == ["non_epidemic", "non_epidemic"]
    assert result["topic_confidence"].tolist() == [0.9999, 1.0]


def test_the_model_file_is_arrays_only(shipped):
    # allow_pickle=False refuses any object array: reading the file runs no code from it
    with np.load(topic_model.default_model_path(), allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    assert str(arrays["format"]) == topic_model.FORMAT
    assert all(a.dtype.kind in "fiuU" for a in arrays.values())
    assert shipped.classes == topic_model.CLASSES


def test_ngrams_fold_digits_and_stop_at_each_text():
    assert topic_model.NGRAM_MAX == 2
    doc, bucket, doc_value = topic_model.ngrams(pd.Series(["１4天", "ab"]))
    # "00天": 3 characters and 2 pairs; "ab": 2 and 1; no pair across the two texts
    assert doc.tolist() == [0, 0, 0, 1, 1, 0, 0, 1]
    assert doc_value.tolist() == pytest.approx([1 / np.sqrt(5), 1 / np.sqrt(3)])
    assert bucket[0] == bucket[1] and bucket[0] != bucket[2]          # both digits are "0"
    _, same, _ = topic_model.ngrams(pd.Series(["99天"]))
    assert same.tolist() == bucket[:5].tolist()[:3] + bucket[5:7].tolist()
    assert topic_model.text_ngrams("１4天") == ["0", "0", "天", "00", "0天"]


def test_a_small_model_builds_loads_and_scores_like_the_fitted_one(tmp_path):
    frame = model_build.read_labelled(model_build.training_path())
    small = frame.groupby("topic").head(20).reset_index(drop=True)
    arrays = model_build.fit(small["text"], small["topic"], regularisation=1.0)   # strong: converges fast
    path = tmp_path / "model.npz"
    topic_model.save_model(path, topic_model.CLASSES, arrays["weights"], arrays["catalogue_weights"],
                           arrays["intercept"], "test")
    loaded = topic_model.load_model(path)
    texts = small["text"]
    from scipy.sparse import csr_matrix, hstack   # only here: the board scores without scipy
    doc, bucket, value = topic_model.ngrams(texts)
    grams = csr_matrix((value[doc], (doc, bucket)), shape=(len(texts), 1 << topic_model.BITS))
    topics = classify_tickets(texts, model=loaded)
    assert (topics["topic"] == small["topic"]).mean() >= 0.9   # its own training texts
    by_catalogue = classify(texts, load_catalogue())["topic"]
    matrix = hstack([grams, csr_matrix(topic_model.catalogue_features(by_catalogue))]).tocsr()
    expected = matrix @ np.vstack([arrays["weights"], arrays["catalogue_weights"]]) + arrays["intercept"]
    assert loaded.scores(texts, by_catalogue) == pytest.approx(expected, abs=1e-4)


def test_explanations_name_the_deciding_characters(shipped):
    [why] = explain(pd.Series(["菜场关门了，附近超市又贵，哪里能买到平价菜"]), model=shipped)
    parts = why.split("、")
    assert 1 <= len(parts) <= 4
    assert any(p.startswith(("菜", "平价", "买")) for p in parts), why
