"""Composes the pack's hotline_training.csv for the hotline topic model from the hand-written
base texts in hotline_base_texts.toml: each base text once as written, and variants with a
clerk's framing, a typo, a second minor concern, or cut short."""
import tomllib
from pathlib import Path

TEXTS_FILE = Path(__file__).with_name("hotline_base_texts.toml")


def base_texts() -> dict[str, list[str]]:
    """Topic -> its base texts: those of every hand, in the order written."""
    with TEXTS_FILE.open("rb") as f:
        hands = tomllib.load(f)["hand"]
    base: dict[str, list[str]] = {}
    for hand in hands:
        for topic, texts in hand.items():
            base.setdefault(topic, []).extend(texts)
    return base


# A clerk's framing around the caller's words (the recorder of 12345 writes them so).
PREFIXES = ["来电人反映：", "市民来电称，", "来电人表示", "市民反映，", "来电者称：", "网民留言：",
            "来电人咨询：", "市民咨询，", "来电人称其", "来电反映：", "市民来电：", "（转办）来电人反映，",
            "工单内容：", "来电人诉求：", "市民通过微信留言：", "", "市民致电反映", "据来电人反映，",
            "诉求人反映：", "来电人（女）称，", "市民来电咨询：", "来电人来电表示，其"]
SUFFIXES = ["", "。", "，请相关部门尽快处理。", "，要求答复。", "，希望有人管一管。", "，来电人情绪激动。",
            "，请核实。", "，望回电。", "，谢谢。", "，已经打过好几次电话了。", "？", "！！",
            "，请职能部门核实处理。", "，来电人要求回复处理结果", "。来电人希望尽快解决", "，急！"]

# A brief second matter after the main one, by the topics it may follow: it never decides.
SECOND = {
    "any": ["。另外楼道的灯也坏了", "，顺便说一下楼下的车乱停", "。还有小区的垃圾桶太少",
            "，另外反映一下路灯不亮", "。附带说下水管有点漏水"],
    "quarantine": ["，另外问一下口罩哪里能买到", "，顺便问下小区出入证怎么办"],
    "community": ["，另外问一下口罩预约在哪里", "，顺便问问社区医院开没开"],
    "enterprise": ["，另外问一下口罩哪里买", "，顺便问一下家里小区能不能进出"],
    "health": ["，另外问下小区门什么时候多开一个", "，顺便问一下快递什么时候能送上楼"],
}

# Common slips of a typing clerk or a phone keyboard (same sound, wrong character).
TYPOS = {"隔离": "格离", "口罩": "口照", "消毒": "消读", "复工": "复公", "登记": "登计", "小区": "小曲",
         "回来": "会来", "观察": "观擦", "发烧": "发骚", "电梯": "电题", "物业": "物叶", "快递": "快第",
         "居委": "居为", "房东": "房冬", "上班": "上般", "医院": "医园", "装修": "装休", "停水": "挺水"}



# Chinese numerals a clerk may key in as digits.
DIGITS = {"十四": "14", "十二": "12", "十三": "13", "十": "10", "三": "3", "两": "2", "五": "5", "七": "7"}


def variants(rng, topic: str, text: str) -> list[str]:
    """The base text as written and three composed variants (framing, second concern, slip)."""
    out = [text]
    out.append(rng.choice(PREFIXES) + text + rng.choice(SUFFIXES))
    second = rng.choice(SECOND["any"] + SECOND.get(topic, []))
    out.append(rng.choice(PREFIXES) + text + second + rng.choice(SUFFIXES))
    slips = [w for w in TYPOS if w in text]
    numerals = [w for w in DIGITS if w in text]
    if slips:
        word = rng.choice(slips)
        slipped = text.replace(word, TYPOS[word], 1)
    elif numerals:
        word = rng.choice(numerals)
        slipped = text.replace(word, DIGITS[word])
    else:  # a caller who repeats the point
        slipped = text + "，" + text.split("，")[-1]
    out.append(rng.choice(PREFIXES) + slipped + rng.choice(SUFFIXES))
    return list(dict.fromkeys(out))


def rows() -> list[tuple[str, str, str]]:
    """(text, topic, base): base names the hand-written text a row comes from, so that a
    dev split keeps all variants of one text on the same side."""
    import random
    rng = random.Random(2020)
    out = []
    for topic, texts in base_texts().items():
        for i, text in enumerate(texts):
            out.extend((v, topic, f"{topic[:3]}{i:03d}") for v in variants(rng, topic, text))
    return out


if __name__ == "__main__":
    import csv
    path = Path(__file__).with_name("hotline_training.csv")
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "topic", "base"])
        writer.writerows(rows())
    print(path)
