"""Vocabulary of the demo data set: industries, names, certifying bodies, zones, reported values.

Plain tables, kept apart from the generator in ``targets.demo`` so that each reads on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from certifications.models import CertificationKind as CK
from certifications.models import ZoneKind
from core.models import CreditRecordSeverity, Role
from core.models import Industry as Ind


@dataclass(frozen=True)
class Profile:
    nouns: tuple[str, ...]  # what the industry puts in a company name
    products: tuple[str, ...]
    nice: tuple[int, ...]  # Nice classes its trademarks are registered in
    weight: int  # how common the industry is


# fmt: off
PROFILES: dict[str, Profile] = {
    Ind.DAIRY: Profile(("乳业", "乳制品", "奶食品", "牧场"),
                       ("纯牛奶", "酸奶", "奶酪", "奶皮子", "奶豆腐", "驼奶粉", "全脂乳粉"), (29, 30, 32), 30),
    Ind.FOOD: Profile(("肉业", "肉食品", "牧业", "食品"),
                      ("冷鲜羔羊肉", "风干牛肉干", "手扒羊肉", "酱卤牛肉", "炒米"), (29, 30, 43), 40),
    Ind.AGRICULTURE: Profile(("薯业", "农业", "杂粮", "粮油", "种植"),
                             ("马铃薯", "马铃薯全粉", "莜面", "小米", "葵花籽", "亚麻籽油", "番茄酱", "燕麦片",
                              "荞麦", "大米"), (29, 30, 31), 50),
    Ind.TEXTILE: Profile(("绒业", "羊绒制品", "纺织", "毛纺"),
                         ("无毛山羊绒", "羊绒衫", "羊绒围巾", "驼绒被", "羊毛毯"), (23, 24, 25), 25),
    Ind.METALLURGY: Profile(("稀土", "稀土新材料", "冶金", "铝业"),
                            ("稀土永磁材料", "稀土抛光粉", "稀土合金", "铝合金型材", "硅铁"), (1, 6, 9), 15),
    Ind.ENERGY: Profile(("能源", "煤化工", "新能源", "电力"),
                        ("甲醇", "聚氯乙烯树脂", "光伏组件", "煤制烯烃"), (1, 4, 9), 14),
    Ind.EQUIPMENT: Profile(("装备制造", "机械", "重工", "汽车"),
                           ("重型载货汽车", "风电塔筒", "农牧机械", "电线电缆"), (7, 9, 12), 12),
    Ind.MEDICINE: Profile(("蒙药", "药业", "中药材"),
                          ("黄芪饮片", "肉苁蓉", "蒙药制剂", "甘草", "枸杞"), (5, 30, 44), 14),
    Ind.TOURISM: Profile(("文化旅游", "旅游"), ("草原旅游接待", "民俗文化演艺"), (39, 41, 43), 8),
    Ind.SERVICES: Profile(("物流", "餐饮", "电子商务"), ("冷链物流", "蒙餐餐饮服务", "农畜产品电商"), (35, 39, 43), 8),
    Ind.OTHER: Profile(("建材", "环保科技"), ("预拌混凝土", "钢化玻璃", "溶剂型涂料"), (2, 19, 37), 5),
}
FOOD = (Ind.DAIRY, Ind.FOOD, Ind.AGRICULTURE)
LEAGUE_FOCUS = {  # industries each league/city is known for
    "150100": (Ind.DAIRY, Ind.SERVICES), "150200": (Ind.METALLURGY, Ind.EQUIPMENT),
    "150300": (Ind.ENERGY, Ind.OTHER), "150400": (Ind.AGRICULTURE, Ind.MEDICINE),
    "150500": (Ind.FOOD, Ind.AGRICULTURE), "150600": (Ind.TEXTILE, Ind.ENERGY), "150700": (Ind.DAIRY, Ind.FOOD),
    "150800": (Ind.AGRICULTURE, Ind.FOOD), "150900": (Ind.AGRICULTURE,), "152200": (Ind.AGRICULTURE, Ind.TOURISM),
    "152500": (Ind.FOOD, Ind.DAIRY), "152900": (Ind.MEDICINE, Ind.TEXTILE),
}
AREA_CODES = {
    "150100": "0471", "150200": "0472", "150300": "0473", "150400": "0476", "150500": "0475", "150600": "0477",
    "150700": "0470", "150800": "0478", "150900": "0474", "152200": "0482", "152500": "0479", "152900": "0483",
}
TRADE_WORDS = ("草原", "蒙源", "塞北", "阴山", "河套", "敕勒", "北疆", "牧野", "金穗", "绿野", "天骄", "白鹿",
               "驼铃", "雪原", "青城", "查干", "巴彦", "宝音", "赛音", "额吉", "苍穹", "祥泰", "恒丰", "鑫源",
               "瑞达", "丰泽", "嘉禾", "正源", "德润", "天和", "宏达", "美源", "圣泉", "朔方", "大漠", "长调",
               "马背", "锦程", "华蒙", "蒙晟", "乌兰", "塔拉", "阿尔山", "沃野", "昭君", "金川")
BRAND_SUFFIXES = ("牧歌", "之源", "优选", "臻品", "印象", "恋歌", "传奇", "味道", "好礼", "骄子", "天成", "记忆",
                  "时光", "本色")
FORMS = ("有限公司", "有限责任公司", "股份有限公司")
SURNAMES = "王李张刘陈杨赵黄周吴郭马包白韩乌云"
GIVEN = ("建国", "志强", "海燕", "巴特尔", "其其格", "额尔敦", "萨仁", "丽娟", "晓东", "斯琴", "宝力德", "苏日娜",
         "敖特根", "春梅", "德力格尔", "文华")
STREETS = ("新华大街", "工业园区", "经济技术开发区", "昭君路", "腾飞大道", "北环路", "健康街", "草原路")
VIOLATIONS = {
    CreditRecordSeverity.MINOR: ("产品标签标识不规范，已责令限期改正", "未按规定报送企业年度报告",
                                 "计量器具未按期检定"),
    CreditRecordSeverity.SERIOUS: ("生产销售不合格产品，货值金额较大", "认证证书暂停期间继续使用认证标志",
                                   "使用虚假材料申请认证"),
}
COMMENDATIONS = ("获评自治区质量管理先进企业", "获得自治区主席质量奖提名奖", "被评为守合同重信用企业",
                 "获评全区消费者满意单位")
REVOCATION_REASONS = ("监督抽检不合格且逾期未完成整改", "超范围使用认证标志", "提供虚假材料取得认证",
                      "获证产品不再符合认证要求")
# kind: (how many, validity in years, holder industries, certifying bodies as (code, name))
CERT_PLAN = {
    CK.ORGANIC: (230, 1, (*FOOD, Ind.MEDICINE), (("124", "中绿华夏有机产品认证中心"),
                                                 ("041", "南京国环有机产品认证中心"))),
    CK.GREEN_FOOD: (330, 3, FOOD, (("", "中国绿色食品发展中心"),)),
    CK.POLLUTION_FREE: (110, 3, FOOD, (("", "农业部农产品质量安全中心"),)),
    CK.LOW_CARBON: (60, 3, (Ind.METALLURGY, Ind.ENERGY, Ind.EQUIPMENT, Ind.TEXTILE, Ind.OTHER),
                    (("", "中国质量认证中心"),)),
    CK.CCC: (100, 5, (Ind.EQUIPMENT, Ind.ENERGY, Ind.METALLURGY, Ind.OTHER),
             (("01", "中国质量认证中心"), ("11", "中汽认证中心"))),
    CK.QMS: (170, 3, tuple(PROFILES), (("001", "中国质量认证中心"), ("003", "方圆标志认证集团有限公司"))),
    CK.EMS: (90, 3, tuple(PROFILES), (("001", "中国质量认证中心"), ("006", "华夏认证中心有限公司"))),
    CK.OTHER: (30, 3, FOOD, (("001", "中国质量认证中心"),)),
}
CCC_PRODUCTS = {Ind.EQUIPMENT: ("1101", "重型载货汽车"), Ind.ENERGY: ("2301", "防爆电气设备"),
                Ind.METALLURGY: ("0101", "电线电缆"), Ind.OTHER: ("1301", "建筑安全玻璃")}
ZONE_PLAN = (  # kind, how many, name pattern, topics
    (ZoneKind.ORGANIC_DEMO, 6, "{place}国家有机产品认证示范区", ("",)),
    (ZoneKind.EXPORT_FOOD_DEMO, 6, "{place}出口{topic}质量安全示范区", ("羊肉", "马铃薯", "番茄制品", "葵花籽")),
    (ZoneKind.EXPORT_INDUSTRIAL_DEMO, 4, "{place}出口{topic}质量安全示范区", ("稀土新材料", "羊绒制品", "重型机械")),
    (ZoneKind.QUALITY_CITY, 4, "{place}全国质量强市示范城市", ("",)),
    (ZoneKind.FAMOUS_BRAND_DEMO, 7, "全国{topic}产业知名品牌创建示范区（{place}）", ("羊绒", "乳业", "马铃薯", "肉羊")),
    (ZoneKind.STANDARDIZATION_PILOT, 10, "{place}{topic}国家级服务业标准化试点", ("旅游服务", "养老服务", "物流服务")),
    (ZoneKind.AGRI_STANDARDIZATION_DEMO, 14, "{place}{topic}农业标准化示范区", ("马铃薯", "肉羊", "奶牛", "向日葵")),
)
MEASURED = (  # reported targets of the 2015 plan: code, 2016 value, yearly change, cap, source
    ("PQ-01", 95.2, 0.3, 100, "自治区市场监督管理局 {y} 年农畜产品质量安全监测通报"),
    ("PQ-03", 87.5, 0.7, 100, "自治区市场监督管理局 {y} 年产品质量监督抽查通报"),
    ("PQ-04", 94.0, 0.3, 100, "自治区市场监督管理局 {y} 年食品安全监督抽检通报"),
    ("EQ-01", 99.1, 0.1, 100, "自治区住房和城乡建设厅 {y} 年工程质量监督报告"),
    ("SQ-01", 36.0, 1.1, 100, "自治区统计局 {y} 年统计公报"),
    ("SQ-02", 78.5, 0.9, 100, "自治区市场监督管理局 {y} 年服务质量满意度测评"),
    ("SQ-03", 74.0, 0.8, 100, "自治区市场监督管理局 {y} 年服务质量满意度测评"),
    ("EN-01", 21.1, 0.25, 100, "自治区林业和草原局 {y} 年林草资源公报"),
    ("EN-02", 82.0, 1.0, 100, "自治区生态环境厅 {y} 年生态环境状况公报"),
    ("EN-03", 88.0, 1.3, 100, "自治区住房和城乡建设厅 {y} 年城乡建设统计公报"),
    ("MB-02", 95.0, 0.45, 100, "自治区市场监督管理局 {y} 年计量工作报告"),
    ("ST-02", 320, 230, None, "自治区市场监督管理局 {y} 年标准化工作报告"),
    ("TI-01", 96, 11, None, "自治区科学技术厅 {y} 年科技统计公报"),
)
ACCOUNTS = (  # username, role, attributes besides the defaults
    ("demo-enterprise", Role.ENTERPRISE, {}),
    ("demo-reviewer-city", Role.REVIEWER, {"jurisdiction_id": "150100"}),
    ("demo-reviewer-region", Role.REVIEWER, {"jurisdiction_id": "150000"}),
    ("demo-committee", Role.COMMITTEE, {}),
    ("demo-staff", Role.STAFF, {"is_staff": True, "is_superuser": True}),
    ("demo-leader", Role.LEADERSHIP, {}),
)
# Trademark registration numbers grow with time: about 0.9 million in 1996, 80 million in 2025.
REGISTRATION_NUMBERS = ((1996, 900_000), (2005, 3_500_000), (2010, 7_000_000), (2015, 14_000_000),
                        (2020, 45_000_000), (2025, 80_000_000))
# fmt: on
