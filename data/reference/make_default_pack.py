import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from anywhere
from etl.refpack import write_pack
names = ["八一", "六里五", "港机", "东盛", "临沂七村", "东方二期", "临沂二村", "金星", "临沂五村",
         "六里四", "鹏欣", "临沂三村", "临沂六村", "临沂一村", "临沂四村", "临沂八村", "南码头",
         "浦三", "东方一期", "六里一", "微山", "塘桥新村"]
nbs = [(f"310115010{i + 1:03d}", n + "居民区", (n, n + "居委", n + "居委会")) for i, n in enumerate(names)]
write_pack(Path("data/reference"), [{"code": "310115010", "name": "南码头路街道", "district": "浦东新区",
     "bounds": (121.500, 31.178, 121.527, 31.200), "neighbourhoods": nbs}], seed=2020,
     note="边界为近似形状（沃罗诺伊剖分），仅用于示意着色，不作为行政边界依据；换用真实边界时替换 neighbourhoods.geojson 即可。")
