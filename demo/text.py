"""Chinese text for the demo generator: 12345 ticket templates by topic, origins of
arrivals, enterprise names and industries, alarm handling notes.

Ticket texts are rendered from templates with slots, or composed from parts (who, the
matter, the ask, sometimes a second matter or a typing slip), into a pool (one text per
ticket at the small scale, a few tens of thousands reused at the large ones).
"""
from __future__ import annotations

import random

import numpy as np

from demo import ids as demo_ids

TOPICS = ("quarantine", "community", "enterprise", "health", "non_epidemic")
REQUEST_TYPES = ("咨询", "投诉", "求助", "建议", "举报", "表扬")
COMPOSED_SHARE = 0.4      # tickets whose text is composed from parts rather than a template

# ------------------------------------------------------------------ ticket templates
# (template, request type). Slots: {origin} {city} {country} {n} {days} {bldg} {room}
# {shop} {item} {place} {time} {temp} {gate} {floor} {date}
_T = {
    "quarantine": [
        ("来电人{date}从{origin}返沪，询问是否需要居家隔离14天，隔离期间买菜怎么解决", "咨询"),
        ("市民询问从{origin}回来的人员要到哪里登记，居委电话一直打不通", "咨询"),
        ("反映{bldg}号楼有{origin}返沪人员没有按规定居家隔离，每天出门倒垃圾买东西，要求核实", "举报"),
        ("来电人居家隔离第{n}天，门磁老是误报，半夜有人来敲门，希望居委调整一下", "投诉"),
        ("询问居家隔离期满后怎么开解除隔离的证明，单位复工要这个证明", "咨询"),
        ("来电人家属从湖北{city}回沪，被安排集中隔离，询问隔离点条件和费用由谁承担", "咨询"),
        ("反映隔离人员家门口的生活垃圾没人收，楼道里有味道，邻居都很担心", "投诉"),
        ("来电人从{country}回国，询问入境后能不能居家隔离，家里有老人", "咨询"),
        ("来电人正在居家隔离，家里老人高血压药吃完了，求助居委帮忙代配药", "求助"),
        ("来电人是租户，从{origin}回来后房东不让进门，现在没地方隔离，求助", "求助"),
        ("询问健康观察期间能不能去上班，公司要求到岗", "咨询"),
        ("反映楼上{room}室住户从{origin}回来，隔离期间有亲戚进出，担心传染", "举报"),
        ("来电人在集中隔离点，已经满{n}天，询问什么时候可以回家", "咨询"),
        ("询问从{origin}回来坐的是高铁，需不需要报备，怎么报备", "咨询"),
        ("来电人居家隔离期间门磁坏了，一直报警，要求尽快来人更换", "求助"),
        ("来电人隔离期间需要每天量体温上报，不会用小程序，求助居委", "求助"),
        ("反映小区有外地返沪人员居家隔离，居委没有张贴告知，邻居不知情", "建议"),
        ("来电人孩子从{country}留学回来，询问机场接回后怎么安排隔离", "咨询"),
        ("来电人隔离期满{n}天了，门磁还没拆，居委说要等通知", "投诉"),
        ("感谢居委在居家隔离期间每天送菜上门，工作人员很辛苦", "表扬"),
    ],
    "community": [
        ("小区只开了一个出入口，{gate}排队太长，早上上班来不及，建议多开一个门", "建议"),
        ("小区不让快递外卖进门，快递都堆在门口，丢了也没人管", "投诉"),
        ("询问外地租户返沪后能不能进小区，房东说居委不让回来", "咨询"),
        ("反映小区门岗不量体温也不查出入证，防控不到位", "投诉"),
        ("来电人出入证丢了，询问到哪里补办临时出入证", "咨询"),
        ("附近菜场关门了，超市蔬菜供应不足，价格也偏高，询问哪里能买到平价菜", "求助"),
        ("家里两位老人不会用手机买菜，要求居委帮忙团购蔬菜", "求助"),
        ("搬家公司的车进不了小区，租房合同已经签了没法入住，要求协调", "求助"),
        ("房东要求涨房租，来电人疫情期间没有收入，希望帮助协调", "求助"),
        ("中介带人进小区看房，担心传染，要求物业禁止外来人员进入", "投诉"),
        ("出入证一户只发一张，家里上班的人多不够用，询问怎么办", "咨询"),
        ("小区门口外卖小哥聚集，没有戴口罩，建议设置外卖专用取餐点", "建议"),
        ("询问亲戚来沪探望能不能进小区，需要哪些手续", "咨询"),
        ("小区封闭管理后，{gate}{night}就锁了，夜班回来进不去", "投诉"),
        ("反映小区志愿者态度差，不让业主进门，要求核实", "投诉"),
        ("询问小区快递柜什么时候能恢复使用", "咨询"),
        ("来电人是独居老人，家里没有米和油了，求助居委帮忙购买", "求助"),
        ("询问疫情期间房屋租赁合同到期能不能延期，搬家有没有限制", "咨询"),
        ("反映有人在小区门口高价倒卖蔬菜包", "举报"),
        ("感谢居委志愿者帮忙把快递送到家门口", "表扬"),
    ],
    "enterprise": [
        ("公司准备{date}复工，询问复工申请在哪里提交，需要准备哪些材料", "咨询"),
        ("在{place}开了一家{shop}，询问现在能不能恢复营业，需要办什么手续", "咨询"),
        ("单位要求员工返岗，来电人从{origin}回来还在隔离期，单位说不到岗就扣工资", "投诉"),
        ("反映{place}一家{shop}没有审批就擅自营业，店里人很多也没人戴口罩", "举报"),
        ("企业复工申请已经提交{n}天了还在审核中，询问进度", "咨询"),
        ("复工申请被退回，不清楚退回原因，要求街道说明", "投诉"),
        ("询问员工返沪后企业要怎么报备，员工健康信息在哪里登记", "咨询"),
        ("小微企业询问疫情期间房租减免政策怎么申请", "咨询"),
        ("餐饮店老板询问什么时候可以恢复堂食", "咨询"),
        ("公司复工需要口罩和消毒液，询问街道能不能帮助采购", "求助"),
        ("企业员工宿舍在小区里，居委不让员工进出，要求协调", "求助"),
        ("询问复工后员工就餐要求，食堂能不能开", "咨询"),
        ("反映某公司让员工提前到岗上班，没有做好防护", "举报"),
        ("{shop}老板询问复工承诺书在哪里下载，填好交给谁", "咨询"),
        ("询问企业复工后发现员工发热应该怎么处置", "咨询"),
        ("感谢街道企业服务办帮助公司很快通过复工审核", "表扬"),
    ],
    "health": [
        ("附近药店买不到口罩，询问口罩预约登记在哪里，居委说名额满了", "咨询"),
        ("询问口罩预约购买的时间和地点，家里口罩快用完了", "咨询"),
        ("小区楼道和电梯一直没人消毒，要求物业落实消毒", "投诉"),
        ("来电人发烧{temp}度，询问最近的发热门诊在哪里，需不需要叫120", "求助"),
        ("询问社区卫生服务中心有没有开门，慢性病配药怎么办", "咨询"),
        ("反映{place}药店口罩价格太高，一只要十几块", "举报"),
        ("家里老人要做透析，医院要求核酸检测，询问在哪里可以做", "咨询"),
        ("建议在垃圾箱房旁边设置废弃口罩专用回收桶", "建议"),
        ("小区有人发热被救护车接走，询问是不是确诊，要求公布情况", "咨询"),
        ("物业喷洒消毒液味道太大，家里孩子过敏，希望调整消毒时间", "投诉"),
        ("预约的口罩到了领取时间但药店说没货，要求说明", "投诉"),
        ("询问在家发烧咳嗽能不能先去社区医院看，还是必须去发热门诊", "咨询"),
        ("家里老人腿脚不便，口罩预约后没法去药店领取，求助", "求助"),
        ("询问酒精和84消毒液哪里有卖，怎么正确使用", "咨询"),
        ("感谢社区医生上门给隔离老人测体温", "表扬"),
    ],
    "non_epidemic": [
        ("楼上装修噪音很大，{time}还在施工，影响休息", "投诉"),
        ("{bldg}号楼夜里有人喝酒喧哗，吵得睡不着", "投诉"),
        ("小区门口乱停车，把消防通道堵住了", "投诉"),
        ("非机动车在楼道里乱停放充电，存在安全隐患", "举报"),
        ("楼上卫生间漏水渗到我家天花板，楼上不配合维修", "求助"),
        ("物业不作为，电梯坏了{n}天没人修，老人上下楼很困难", "投诉"),
        ("垃圾箱房满了好几天没人清运，有很大异味", "投诉"),
        ("{bldg}号楼{room}室群租，住了十几个人，进进出出很乱", "举报"),
        ("楼下住户在绿化带里搭建违章建筑", "举报"),
        ("小区路灯坏了一个多月，晚上很黑", "求助"),
        ("树枝挡住了窗户，要求修剪", "求助"),
        ("邻居养狗不拴绳，还随地大小便", "投诉"),
        ("停水没有提前通知，家里老人没法做饭", "投诉"),
        ("楼下饭店油烟很大，熏到楼上住户", "投诉"),
        ("{place}路边有人占道经营卖水果", "举报"),
        ("共享单车堆放在人行道上，行人没法走", "投诉"),
        ("询问廉租房申请条件和办理地点", "咨询"),
        ("询问老年人养老金领取资格认证怎么办理", "咨询"),
        ("小区广场舞音响声音太大，{time}还在跳", "投诉"),
        ("楼道里堆满杂物，物业不清理", "投诉"),
        ("下水道堵塞返水，要求疏通", "求助"),
        ("外墙瓷砖脱落，担心砸到人", "求助"),
        ("小区里有人遛狗不清理粪便，建议加强管理", "建议"),
        ("来电人家中燃气表有异味，要求燃气公司上门检查", "求助"),
        ("询问居住证积分办理需要哪些材料", "咨询"),
        ("对物业维修及时表示感谢", "表扬"),
    ],
}

# Composed texts beside the templates: (who/where, the matter, what the caller asks), each
# part chosen apart, so the season's wording is not a few dozen fixed sentences that a
# classifier could learn by heart. Written apart from the pack's example texts.
_PARTS = {
    "quarantine": (
        ["我家亲戚", "隔壁人家", "我本人", "我爱人", "楼上住户", "同住的室友", "我家老人"],
        ["刚从{origin}回到上海", "年后从{origin}过来，现在住在{bldg}号楼", "在家观察到第{n}天了",
         "在宾馆集中观察，今天是第{n}天", "{date}坐火车从{origin}回来"],
        ["，不知道要不要去报到", "，想问问什么时候算期满", "，居委一直没有联系", "，能不能出门买点东西",
         "，手机上的码是黄的怎么办", "，登记表去哪里填"]),
    "community": (
        ["我们小区", "住的新村", "阿拉小区", "我爸妈住的小区", "{gate}这边"],
        ["就留了{gate}一个口子进出", "门口量体温排队排到马路上", "快递外卖全部堆在门外",
         "附近的菜市场一直没开", "买菜要排一个多小时", "门口值守的志愿者不让亲戚进来", "快递柜停用了"],
        ["，老人很不方便", "，能不能想想办法", "，希望多开一个门", "，哪里能买到便宜点的菜",
         "，什么时候恢复", "，到底听谁的"]),
    "enterprise": (
        ["我们公司", "我开的{shop}", "单位", "我们厂", "楼下的{shop}"],
        ["打算{date}开门", "申请交了{n}天还在审核", "老板让外地员工马上回来上班", "停工这段时间工资只发一半",
         "没批下来就开门营业了"],
        ["，要准备什么材料", "，请问合不合规定", "，街道能不能催一下", "，员工都很担心", "，有没有补贴"]),
    "health": (
        ["家里老人", "我孩子", "我自己", "住在隔壁的阿姨", "我们楼里"],
        ["发烧{temp}度两天了", "口罩一只都买不到", "慢性病的药快吃完了", "楼道一直没人消毒", "咳嗽得厉害"],
        ["，去哪个医院看", "，预约在哪里登记", "，社区医院能不能配", "，请物业来处理一下", "，要不要紧"]),
    "non_epidemic": (
        ["我家楼上", "小区里", "{place}", "隔壁邻居", "我们这栋楼"],
        ["电梯停了{n}天", "外地牌照的车堵在消防通道", "路口的隔离带被撞倒了", "家里的消毒柜坏了售后不管",
         "晚上下班回来路灯全黑", "水管漏了{n}天", "装修声音一直很吵"],
        ["，物业不管", "，希望尽快修好", "，已经说了好几次", "，请相关部门处理", "，很危险"]),
}
# A brief second matter after the main one (it never decides the topic).
_SECOND = ["，另外楼道灯也坏了", "，还有小区垃圾桶太少", "，顺便说一下楼下乱停车", ""]
# A clerk's slips (same sound, wrong character).
_SLIPS = {"隔离": "格离", "口罩": "口照", "小区": "小曲", "复工": "复公", "登记": "登计", "电梯": "电题"}


def _composed(rng: random.Random, topic: str) -> str:
    who, matter, ask = _PARTS[topic]
    text = _fill(rng, rng.choice(who) + rng.choice(matter) + rng.choice(ask))
    if rng.random() < 0.2:
        text += rng.choice(_SECOND)
    return text


def _slip(rng: random.Random, text: str) -> str:
    words = [w for w in _SLIPS if w in text]
    return text.replace(w := rng.choice(words), _SLIPS[w], 1) if words else text


_PREFIX = ["来电人反映：", "市民来电称，", "", "", "来电反映", "市民反映", "网民留言：", "来电人表示",
           "来电人称", "市民来电：", "来电者反映，", ""]
_SUFFIX = {
    "咨询": ["。", "，请相关部门答复。", "，希望尽快回复。", "，请告知。", "", "，来电人很着急。"],
    "投诉": ["，要求尽快处理。", "，希望相关部门核实处理。", "，已多次反映未解决。", "，要求给个说法。",
           "。", "，请尽快解决！"],
    "求助": ["，希望帮助解决。", "，请尽快处理。", "，来电人很着急。", "。", "，望协调。"],
    "建议": ["，希望采纳。", "。", "，请有关部门考虑。"],
    "举报": ["，要求核实查处。", "，请尽快处理。", "。", "，要求相关部门上门查看。"],
    "表扬": ["。", "，特此表扬。", "，希望转达谢意。"],
}

_SLOTS = {
    "origin": ["湖北", "武汉", "安徽阜阳", "河南信阳", "浙江温州", "江苏南通", "老家", "安徽", "河南",
               "江西九江", "湖南", "四川", "山东临沂", "外地", "温州", "黄冈"],
    "city": ["武汉", "孝感", "黄冈", "荆州", "随州", "襄阳", "宜昌"],
    "country": ["意大利", "英国", "美国", "法国", "日本", "韩国", "西班牙", "德国", "澳大利亚"],
    "shop": ["小饭店", "理发店", "便利店", "面馆", "水果店", "棋牌室", "美甲店", "培训机构", "早餐店",
             "洗衣店", "五金店", "房产中介"],
    "place": ["临沂路", "南码头路", "东方路", "浦三路", "微山路", "六里路", "港机路", "塘桥路", "小区对面",
              "菜场旁边", "地铁站附近"],
    "time": ["晚上十点", "晚上11点多", "早上六点", "中午", "夜里十二点", "周末一大早"],
    "gate": ["南门", "北门", "东门", "西门", "正门口", "大门口"],
    "night": ["晚上九点", "晚上十点", "晚上8点", "夜里11点", "晚上7点半"],
}


def _slot(rng: random.Random, name: str) -> str:
    if name in _SLOTS:
        return rng.choice(_SLOTS[name])
    if name == "n":
        return str(rng.randint(2, 15))
    if name == "days":
        return str(rng.randint(2, 14))
    if name == "bldg":
        return str(rng.randint(1, 40))
    if name == "room":
        return f"{rng.randint(1, 6)}0{rng.randint(1, 4)}"
    if name == "temp":
        return f"{rng.choice([37, 38, 38, 39])}.{rng.randint(1, 9)}"
    if name == "date":
        return rng.choice(["昨天", "前天", "今天", "上周", "2月{}日".format(rng.randint(1, 28)),
                           "初{}".format("一二三四五六七八九十"[rng.randint(0, 9)]), "下周一"])
    if name == "floor":
        return str(rng.randint(1, 18))
    raise KeyError(name)


def _fill(rng: random.Random, template: str) -> str:
    out, i = [], 0
    while i < len(template):
        j = template.find("{", i)
        if j < 0:
            out.append(template[i:])
            break
        k = template.index("}", j)
        out.append(template[i:j])
        out.append(_slot(rng, template[j + 1:k]))
        i = k + 1
    return "".join(out)


def _pii(rng: random.Random, nrng: np.random.Generator) -> str:
    """A caller's own phone or ID number dropped into the text (redaction is exercised)."""
    if rng.random() < 0.7:
        phone = demo_ids.mobiles(nrng, 1)[0]
        return rng.choice([f"，联系电话{phone}", f"，来电人手机{phone}，请回电", f"（本人电话{phone}）",
                           f"，我的手机号是{phone}"])
    birth = np.array([np.datetime64("1960-01-01") + int(rng.randint(0, 40 * 365))], dtype="datetime64[D]")
    region = demo_ids.region_codes(nrng, np.array([31]), birth.astype("datetime64[Y]").astype(int) + 1970)
    rid = demo_ids.resident_ids(nrng, region, birth, np.array([rng.random() < 0.5]))[0]
    return rng.choice([f"，来电人身份证号{rid}", f"（身份证：{rid}）", f"，本人身份证号码是{rid}"])


def render_pool(seed: int, topic: str, size: int, pii_share: float = 0.03) -> tuple[list[str], list[int]]:
    """`size` ticket texts for one topic and their request types (index into REQUEST_TYPES)."""
    rng = random.Random(f"{seed}-{topic}")
    nrng = np.random.default_rng([seed, TOPICS.index(topic), 77])
    texts, types = [], []
    templates = _T[topic]
    for _ in range(size):
        template, rtype = rng.choice(templates)
        while rtype == "表扬" and rng.random() < 0.8:  # thanks are rare
            template, rtype = rng.choice(templates)
        if rng.random() < 0.12 and rtype != "表扬":  # the caller's framing differs
            rtype = rng.choice(["咨询", "求助", "投诉"])
        body = _composed(rng, topic) if rng.random() < COMPOSED_SHARE else _fill(rng, template)
        if rng.random() < 0.04:
            body = _slip(rng, body)
        text = rng.choice(_PREFIX) + body
        if rng.random() < pii_share:
            text += _pii(rng, nrng)
        text += rng.choice(_SUFFIX[rtype])
        texts.append(text)
        types.append(REQUEST_TYPES.index(rtype))
    return texts, types


# ------------------------------------------------------------------ handling units

UNITS_GENERIC = ["街道城运中心", "街道社区防控办", "街道自治办", "街道房管办", "街道经济服务办",
                 "街道企业服务中心", "市场监管所", "社区卫生服务中心", "派出所", "城管中队", "街道市政科",
                 "街道网格化管理中心", "物业公司"]
# per topic: (generic unit indices, weight of "the neighbourhood committee")
UNITS_BY_TOPIC = {
    "quarantine": ([1, 0, 8], 0.55),
    "community": ([3, 2, 12, 0], 0.45),
    "enterprise": ([4, 5, 6], 0.10),
    "health": ([7, 1, 12], 0.30),
    "non_epidemic": ([9, 3, 10, 11, 12, 8], 0.30),
}

# ------------------------------------------------------------------ origins of arrivals
# group: (province for the ID, [texts]); the shares per period are in demo_model.
ORIGIN_GROUPS = {
    "wuhan": (42, ["湖北省武汉市", "武汉", "湖北武汉", "武汉市", "湖北省武汉市洪山区"]),
    "hubei": (42, ["湖北省孝感市", "孝感", "湖北黄冈", "黄冈市", "湖北省荆州市", "湖北随州", "襄阳",
                   "宜昌", "湖北十堰"]),
    "zhejiang": (33, ["浙江省温州市", "温州", "浙江台州", "杭州", "宁波", "浙江金华", "浙江省绍兴市"]),
    "anhui": (34, ["安徽省阜阳市", "安徽阜阳", "安徽六安", "合肥", "安徽亳州", "安庆", "安徽省宿州市"]),
    "jiangsu": (32, ["江苏南通", "盐城", "江苏徐州", "南京", "苏州", "连云港", "江苏省泰州市"]),
    "henan": (41, ["河南省信阳市", "河南信阳", "河南周口", "驻马店", "南阳", "郑州", "河南商丘"]),
    "jiangxi": (36, ["江西九江", "南昌", "江西上饶", "赣州"]),
    "hunan": (43, ["湖南长沙", "湖南岳阳", "常德", "湖南邵阳"]),
    "sichuan": (51, ["四川成都", "四川南充", "四川达州", "绵阳"]),
    "shandong": (37, ["山东临沂", "山东菏泽", "济南", "青岛"]),
    "fujian": (35, ["福建莆田", "福州", "厦门"]),
    "guangdong": (44, ["广东深圳", "广州", "东莞"]),
    "abroad": (31, ["意大利米兰", "英国伦敦", "美国纽约", "法国巴黎", "日本东京", "韩国首尔",
                    "西班牙马德里", "德国法兰克福", "伊朗德黑兰", "澳大利亚悉尼", "加拿大多伦多",
                    "美国洛杉矶", "英国曼彻斯特"]),
}
ORIGIN_NAMES = list(ORIGIN_GROUPS)

# ------------------------------------------------------------------ enterprises

INDUSTRIES = [  # (industry, weight, share of individual businesses, company suffixes, shop suffixes)
    ("餐饮", 18, 0.5, ["餐饮管理有限公司", "餐饮有限公司"], ["面馆", "小吃店", "饭店", "早餐店", "馄饨店"]),
    ("零售", 20, 0.5, ["商贸有限公司", "超市有限公司", "贸易有限公司"], ["便利店", "水果店", "烟杂店", "五金店"]),
    ("商务服务", 12, 0.05, ["企业管理咨询有限公司", "商务咨询有限公司", "人力资源有限公司"], ["商务服务部"]),
    ("信息技术", 8, 0.0, ["信息科技有限公司", "网络科技有限公司", "软件有限公司"], ["电脑店"]),
    ("建筑装饰", 6, 0.1, ["建筑装饰工程有限公司", "建设工程有限公司"], ["装潢店"]),
    ("物流快递", 5, 0.1, ["物流有限公司", "供应链管理有限公司", "快递服务有限公司"], ["快递点"]),
    ("美容美发", 8, 0.7, ["美容美发有限公司"], ["理发店", "美发店", "美甲店"]),
    ("房产中介", 6, 0.3, ["房地产经纪有限公司", "置业顾问有限公司"], ["房产中介"]),
    ("教育培训", 5, 0.05, ["教育培训有限公司", "文化传播有限公司"], ["培训部"]),
    ("医药", 3, 0.2, ["大药房有限公司", "医药有限公司"], ["药房"]),
    ("制造", 3, 0.0, ["机械设备有限公司", "电子科技有限公司", "实业有限公司"], ["加工厂"]),
    ("住宿", 2, 0.2, ["酒店管理有限公司", "宾馆有限公司"], ["旅馆"]),
    ("其他", 4, 0.3, ["实业有限公司", "服务有限公司"], ["服务部"]),
]
TRADE_CHARS = list("鑫盛隆华泰祥瑞丰源嘉宏达恒锦金海浦东南新天亿佳美鼎汇辰昊欣悦誉弘晟博创远航合和安康福润德信明腾"
                   "飞星宇益聚荣昌兴旺富贵顺利卓越骏豪宁晨曦阳光绿洲蓝海云峰致诚立春雨")

# ------------------------------------------------------------------ alarm handling notes
ALARM_NOTES = {
    ("door_open", "handled"): ["已电话联系住户，系开门取外卖，已提醒", "上门查看，住户在家，系倒垃圾",
                               "电话核实，住户开门取快递，已告知放门口", "居委上门核实，住户未外出",
                               "视频确认住户在家", "已联系，家属开门通风，已提醒"],
    ("door_open", "false_alarm"): ["门磁松动误报，已重新固定", "风吹门动误报", "设备误报，已通知厂家"],
    ("door_open", "pre_reported"): ["住户已提前报备取外卖", "已报备，社区医生上门测体温", "已报备倒垃圾"],
    ("doorbell", "handled"): ["快递员按铃，已核实", "志愿者送菜按铃", "已查看视频，系物业上门"],
    ("doorbell", "false_alarm"): ["儿童误按", "设备故障误报"],
    ("offline", "handled"): ["网络恢复，设备重新上线", "已联系厂家重启设备", "住户拔了电源，已提醒"],
    ("offline", "false_alarm"): ["平台故障，设备实际在线"],
    ("low_battery", "handled"): ["已更换电池", "厂家上门更换电池", "已通知住户，次日更换电池"],
    ("low_battery", "false_alarm"): ["电量检测误报"],
    ("tamper", "handled"): ["上门查看，门磁被碰掉，已重新安装", "住户自行拆除，已批评教育并重新安装"],
    ("tamper", "false_alarm"): ["清洁时碰到，设备正常"],
}
