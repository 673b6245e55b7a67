#!/usr/bin/env python3
"""generate.py -- demo ledger data for ops/demo: a year (2025) of three units' activity as JSONL.

    python3 generate.py          write H001.jsonl H002.jsonl H003.jsonl H002-bad.jsonl README.md
                                 next to this script, then check them (exit 1 if anything is off)
    python3 generate.py --check  only check the files already there

Python 3 standard library only. Deterministic: one random.Random(2025), no set iteration, so
re-running rewrites byte-identical files. Keys and enum values follow proto/massline.proto and
shared/spec/interfaces.md. The check validates every row (keys, types, enums, ids, dates, roster,
order, corrections) and recomputes the quotas of rules.md the way this script reads them, then
compares the unmet ones with the deliberate breaks listed in EXPECTED below.
"""

import datetime
import json
import math
import os
import random
import re
import sys

HERE = os.path.dirname (os.path.abspath (__file__))
YEAR = 2025
Y0 = datetime.date (YEAR, 1, 1)
Y1 = datetime.date (YEAR, 12, 31)
TODAY = datetime.date (2026, 11, 26)        # "today" of the demo: no event may be dated after it
ONE = datetime.timedelta (days=1)


def D (s):
    return datetime.date.fromisoformat (s)


def days (a, b):
    return [a + datetime.timedelta (days=i) for i in range ((b - a).days + 1)]


# Public holidays of 2025 in China (New Year, Spring Festival, Qingming, Labour Day,
# Dragon Boat, National Day): no reception days or field trips are planned on them.
HOLIDAYS = set (days (D ("2025-01-01"), D ("2025-01-01")) + days (D ("2025-01-28"), D ("2025-02-04"))
                + days (D ("2025-04-04"), D ("2025-04-06")) + days (D ("2025-05-01"), D ("2025-05-05"))
                + days (D ("2025-05-31"), D ("2025-06-02")) + days (D ("2025-10-01"), D ("2025-10-08")))
WORKDAYS = [d for d in days (Y0, Y1) if d.weekday () < 5 and d not in HOLIDAYS]
WORKSET = set (WORKDAYS)


def month_end (y, m):
    return (datetime.date (y + (m == 12), m % 12 + 1, 1) - ONE)


# ---------------------------------------------------------------------------
# Text pools (realistic Zhenjiang health-sector wording; no private persons' names)

HOSP_PLACES = [
    "丹徒区高资街道社区卫生服务中心", "丹徒区辛丰镇卫生院", "丹徒区宝堰镇卫生院", "丹徒区上党镇卫生院",
    "丹徒区谷阳镇卫生院", "京口区正东路街道社区卫生服务中心", "京口区谏壁街道社区卫生服务中心",
    "京口区象山街道社区卫生服务中心", "润州区金山街道社区卫生服务中心", "润州区七里甸街道社区卫生服务中心",
    "润州区蒋乔街道社区卫生服务中心", "润州区宝塔路街道社区卫生服务中心", "镇江新区大路镇卫生院",
    "镇江新区姚桥镇卫生院", "镇江新区丁岗镇卫生院", "句容市茅山镇卫生院", "句容市白兔镇卫生院",
    "句容市边城镇卫生院", "句容市后白镇卫生院", "丹阳市延陵镇卫生院", "丹阳市司徒镇卫生院",
    "丹阳市导墅镇卫生院", "扬中市八桥镇卫生院", "扬中市新坝镇卫生院", "扬中市油坊镇卫生院",
    "镇江市急救中心",
]

CDC_PLACES = [
    "丹阳市疾病预防控制中心", "句容市疾病预防控制中心", "扬中市疾病预防控制中心", "丹徒区疾病预防控制中心",
    "京口区疾病预防控制中心", "润州区疾病预防控制中心", "镇江新区疾病预防控制中心",
    "丹徒区高资街道社区卫生服务中心预防接种门诊", "句容市宝华镇卫生院预防接种门诊",
    "京口区健康路街道社区卫生服务中心", "润州区和平路街道社区卫生服务中心", "扬中市八桥镇卫生院",
    "丹阳市皇塘镇卫生院", "句容市郭庄镇卫生院",
]

# Where a topic is studied: (keywords, places); a topic matching none goes to the unit's general places.
TOPIC_PLACES = [
    ("职业", ["镇江新区化工园区企业（职业健康监测点）", "扬中市电器企业（职业健康监测点）",
             "丹阳市眼镜企业（职业健康监测点）"]),
    ("食品", ["大市口农贸市场（食品安全风险监测点）", "丹阳市食品生产企业（食品安全风险监测点）"]),
    ("病媒|蚊媒", ["京口区四牌楼街道社区（病媒生物监测点）", "润州区金山街道社区（病媒生物监测点）"]),
    ("学校|青少年", ["京口区中小学（学生常见病监测点）", "丹徒区中小学（学生常见病监测点）"]),
    ("饮用水", ["句容市城乡供水厂（饮用水监测点）", "扬中市农村供水站（饮用水监测点）"]),
    ("(HOSPITAL)门诊|住院|DRG|智慧医院|预约|纠纷", ["本院门诊部", "本院急诊医学科", "本院发热门诊", "本院重症医学科",
                                       "本院住院部"]),
]

HOSP_TOPICS = [
    "医联体双向转诊运行情况", "基层首诊与分级诊疗落实情况", "家庭医生签约服务质量",
    "胸痛中心基层救治网络建设", "卒中急救地图运行情况", "基层高血压糖尿病规范化管理",
    "远程心电与远程影像会诊推广", "乡镇卫生院急诊急救能力提升", "基层用药目录与医院用药衔接",
    "老年人健康管理与医养结合", "“互联网+护理服务”延伸到社区", "专家下沉坐诊与基层带教",
    "DRG支付改革对临床科室的影响", "门诊“一站式”便民服务", "住院患者满意度与投诉分析",
    "医疗纠纷预防与调处", "对口帮扶卫生院学科建设", "基层医务人员进修培训需求",
    "出院患者社区康复与随访", "孕产妇和儿童健康管理", "发热门诊与呼吸道传染病应对",
    "院前急救与院内救治衔接", "医联体内检验检查结果互认", "预约诊疗与分时段就诊",
    "智慧医院建设与患者就医体验", "医保结算与群众医疗费用负担", "肿瘤早筛早诊进社区",
    "精神卫生社区随访管理",
]

CDC_TOPICS = [
    "预防接种门诊规范化建设", "免疫规划疫苗接种率与查漏补种", "结核病患者发现与全程管理",
    "传染病网络直报质量", "发热伴血小板减少综合征防控", "登革热等蚊媒传染病监测",
    "病媒生物防制工作", "学校传染病防控与晨午检落实", "儿童青少年近视和肥胖防控",
    "慢性病综合防控示范区建设", "高血压糖尿病医防融合", "职业病危害因素监测",
    "重点职业病监测与职业健康风险评估", "城乡饮用水卫生监测", "食品安全风险监测与食源性疾病报告",
    "艾滋病自愿咨询检测服务", "居民健康素养监测", "死因监测与肿瘤登记质量",
    "突发公共卫生事件应急处置能力", "基层公共卫生人员能力培训", "狂犬病暴露处置门诊管理",
]

HOSP_WORK_ITEMS = [
    "推动建立医联体内双向转诊绿色通道", "牵头建设乡镇卫生院胸痛救治单元并挂牌运行",
    "推进远程心电诊断覆盖辖区乡镇卫生院", "落实专家每周下沉坐诊排班制度",
    "开通基层转诊患者“一站式”预约住院服务", "推动检验检查结果在医联体内互认",
    "建立出院患者社区随访对接机制",
]

CDC_WORK_ITEMS = [
    "推动预防接种门诊数字化改造全覆盖", "建立结核病患者“医防协同”管理机制",
    "完善学校传染病症状监测预警", "推进高血压糖尿病医防融合试点",
]

TOWNS = [("高资街道", "石桥村"), ("辛丰镇", "黄墟村"), ("宝堰镇", "前隍村"), ("上党镇", "五塘村"),
         ("茅山镇", "丁庄村"), ("白兔镇", "解塘村"), ("延陵镇", "柳茹村"), ("司徒镇", "吴塘村"),
         ("八桥镇", "长旺村"), ("新坝镇", "立新村"), ("姚桥镇", "华山村"), ("大路镇", "大路村")]
FAMILY_WHY = ["因病致贫家庭", "独居失能老人家庭", "重度残疾人家庭", "低保家庭", "单亲困难家庭"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙朱马胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"

HOSP_DEEDS = [
    "捐赠十二导联心电图机1台并开展操作培训", "组织专家团队开展义诊，服务群众120余人次",
    "协调更新卫生院救护车车载急救设备", "为卫生院培训全科医生8名",
    "为社区开设糖尿病健康管理讲座并建立随访档案", "协调捐赠轮椅及康复器材一批",
    "帮助卫生院建立远程会诊工作站",
]
CDC_DEEDS = [
    "为预防接种门诊捐赠冷链温度监测设备", "为联系点开展结核病主动筛查，筛查重点人群300余人",
    "为卫生院公卫人员开展传染病报告业务培训", "协助联系点开展病媒生物防制和环境整治",
]
FAMILY_DEEDS = ["为结对家庭患病老人联系住院治疗并协助申请医疗救助", "为结对家庭送去慰问金和生活物资",
                "帮助结对家庭子女联系助学资助", "为结对家庭老人上门体检并建立健康档案"]

# (事由, 措施, 责任部门); a ledger keeps categories, never the petitioner's name.
HOSP_PETITIONS = [
    ("对住院费用清单存在疑问", "调取费用明细逐项核对，当面解释收费依据；如有多收立即退还", "财务处、医保办"),
    ("对手术后恢复情况不满意，要求说明", "组织专家复核诊疗过程，安排主刀医生与家属沟通并制订康复方案", "医务处"),
    ("反映门诊检查预约等待时间过长", "调整检查预约时段，增开周末检查班次，对来访人所需检查优先安排", "门诊部、医学影像科"),
    ("要求复印完整病历遇到困难", "指导按规定办理病历复印，当日完成并告知办理流程", "病案管理科"),
    ("反映异地就医结算报销比例问题", "核实参保地政策，协助办理异地就医备案并重新结算", "医保办"),
    ("对护理人员服务态度不满", "约谈科室护士长及当事人，向来访人致歉，开展服务礼仪培训", "护理部"),
    ("反映常用药品短缺、配药困难", "核实药品供应，调整采购计划，开通缺药登记和到货通知", "药学部"),
    ("反映急诊候诊时间过长", "优化急诊分诊流程，高峰时段增派医生，说明分级候诊规则", "急诊医学科"),
    ("医疗纠纷赔偿诉求", "告知人民调解和司法途径，启动院内调解程序，限期书面答复", "医患关系办公室"),
    ("退休职工反映待遇落实问题", "核对退休待遇政策，与人社部门沟通，书面答复落实情况", "人事处、离退休办"),
]
HOSP_GROUP_PETITIONS = [
    ("周边小区居民集体反映院区施工夜间噪音和扬尘", "调整施工时间，22时后停止高噪音作业，增加洒水降尘并张贴告示", "基建处、后勤保障处"),
    ("多名患者家属集体反映病区陪护管理规定", "召开家属座谈会解释规定，优化陪护证办理流程，增设家属休息区", "护理部、保卫处"),
]
HOSP_GROUP_PETITION_WAGES = ("外包保洁人员集体反映工资拖欠", "约谈外包服务公司，督促限期足额发放工资，建立工资支付监管台账", "后勤保障处")
CDC_PETITIONS = [
    ("反映犬伤疫苗接种收费问题", "核对收费标准并公示，向来访人解释自费疫苗价格构成", "传染病防制科"),
    ("对预防接种异常反应调查诊断结论有异议", "告知鉴定申请途径，组织专家复核并书面答复", "免疫规划科"),
    ("反映职业健康检查报告出具延迟", "核查检查流程，3个工作日内出具报告，优化报告审核环节", "职业卫生科"),
    ("要求补办儿童预防接种证明遇阻", "协调接种单位调取接种记录，当场补办接种证明", "免疫规划科"),
    ("反映结核病学生复学证明办理流程繁琐", "简化复学证明办理流程，与定点医院建立结果互认", "结核病防制科"),
]
CDC_GROUP_PETITIONS = [
    ("小区居民集体反映蚊虫滋生，要求开展消杀", "组织病媒生物防制队伍现场调查并开展消杀，指导物业清除积水", "病媒生物防制科"),
]

# (意见内容, 交办部门)
HOSP_OPINIONS = [
    ("门诊停车难，建议增设停车位并优化停车引导", "后勤保障处"), ("建议增加夜间门诊和周末专家门诊", "门诊部"),
    ("自助机操作复杂，老年人使用困难，建议安排志愿者帮助", "门诊部"), ("住院部开水供应不足", "后勤保障处"),
    ("建议检查报告可在手机上查询", "信息科"), ("病区卫生间清洁不及时", "后勤保障处"),
    ("建议增加儿科夜间诊室", "医务处"), ("职工食堂饭菜价格偏高、品种偏少", "后勤保障处"),
    ("希望医生解释病情更耐心详细", "医务处"), ("建议开通出院床旁结算服务", "财务处"),
    ("院内指示标识不清楚，找科室困难", "门诊部"), ("高峰时段电梯等候时间长", "后勤保障处"),
    ("陪护床收费标准不透明", "财务处"), ("希望开设戒烟门诊", "医务处"),
    ("建议完善院内无障碍设施", "基建处"), ("互联网医院复诊开药流程繁琐", "信息科"),
    ("建议加强夜间病区安保巡查", "保卫处"), ("希望医保窗口延长服务时间", "医保办"),
    ("抽血窗口早间排队时间长，建议增开窗口", "检验科"), ("建议为孕妇设置专门候诊区", "妇产科"),
    ("门诊大厅空调温度偏低", "后勤保障处"), ("希望为慢病患者提供长处方服务", "药学部"),
    ("建议在门诊楼增设母婴室", "后勤保障处"), ("希望多到社区开展义诊", "党委办公室"),
    ("一线医护人员工作强度大，建议优化排班", "人事处"), ("职工夜班餐供应不足", "后勤保障处"),
    ("建议简化科研经费报销流程", "财务处"), ("希望增加青年医生外出进修机会", "科教处"),
    ("建议加强医患沟通技能培训", "医务处"), ("预约挂号号源放出时间不固定", "门诊部"),
    ("住院病区探视时间规定不清楚", "护理部"), ("建议公开常用检查项目价格", "财务处"),
]
CDC_OPINIONS = [
    ("预防接种门诊周末开放时间短", "免疫规划科"), ("建议开通疫苗接种预约小程序", "免疫规划科"),
    ("职业健康体检报告出具慢", "职业卫生科"), ("希望公布犬伤处置门诊名单", "传染病防制科"),
    ("小区蚊虫多，建议开展灭蚊", "病媒生物防制科"), ("建议到学校开展健康知识讲座", "健康教育科"),
    ("健康体检排队时间长", "健康体检中心"), ("希望提供出国旅行疫苗接种咨询", "免疫规划科"),
    ("建议及时发布流感高发期防护提示", "传染病防制科"), ("水质检测结果查询不便", "卫生检验科"),
    ("希望简化从业人员健康证办理流程", "健康体检中心"), ("建议加强食品安全知识宣传", "营养与食品卫生科"),
    ("慢病随访电话过于频繁", "慢性非传染性疾病防制科"), ("希望公开艾滋病免费检测点地址", "艾滋病防制科"),
    ("建议为中小企业提供职业卫生技术指导", "职业卫生科"), ("中心办公区停车位不足", "办公室"),
]
CHANNELS = (["hotline"] * 6 + ["mailbox"] * 5 + ["card"] * 4 + ["forum"] * 3 + ["wechat"] * 4
            + ["poll"] * 2 + ["hearing"] + ["web_forum"] + ["weibo"] + ["other"])

PUBLISHED = ["支部党员大会", "党小组会", "党务政务公开栏", "医院微信公众号", "门诊大厅电子显示屏", "医院门户网站"]
CDC_PUBLISHED = ["支部党员大会", "党小组会", "党务政务公开栏", "中心微信公众号", "中心门户网站"]

COMMIT_MAIN = "全年到基层调研不少于60天、驻点调研不少于5天，每月接待群众来访不少于1天，为联系点办实事1件以上"
COMMIT_LEADER = "全年到基层调研不少于30天，每半月接待群众来访不少于1天，为结对家庭解决1件实际困难"
COMMIT_ORG_HEAD = "每季度讲一次党课，与支部每名党员谈心谈话不少于2次，支部全年无违规违纪"
COMMIT_DOCTOR = ["全年参加义诊不少于6次，带教规培学员4名，患者满意度保持在95%以上",
                 "推广新技术1项，下沉基层坐诊不少于20个半天", "全年无有效投诉，完成科室质控指标"]
COMMIT_NURSE = ["开展护理延伸服务上门随访不少于30人次，科室护理投诉为零", "带教护理实习生6名，开展健康宣教不少于12次"]
COMMIT_STAFF = ["窗口服务首问负责、一次告知，群众诉求办结率100%", "完成业务系统升级，保障全年系统稳定运行"]
COMMIT_CDC = ["全年下基层开展业务指导不少于20次，辖区传染病报告及时率100%",
              "完成职业健康风险评估报告2份，为企业提供技术指导不少于10家次",
              "开展学校健康讲座不少于8场，覆盖学生3000人次"]
COMMIT_RETIRED = "参加社区志愿服务不少于10次，结对帮扶困难老人1户"
COMMIT_SECONDED = "挂职期间为基层培训医务人员不少于20人次，协助建设规范化科室1个"
COMMIT_ORG = "支部全年组织义诊进社区不少于6次，党员示范岗全覆盖，服务对象满意度95%以上"
# instant commitments: (content, made between MM-DD and MM-DD, days to deadline)
HOSP_INSTANT = [("春节期间保障急诊绿色通道24小时畅通", "01-13", "01-24", 14),
                ("汛期前完成院区防汛隐患排查整改", "05-06", "06-06", 20),
                ("高温期间为环卫工人开设免费避暑和健康咨询点", "07-01", "07-25", 30),
                ("为社区行动不便老人提供上门采血服务", "03-03", "11-14", 30),
                ("流感高峰期间增开发热门诊诊室并延长服务时间", "11-03", "11-28", 14),
                ("三日内答复患者关于检查预约的诉求", "02-10", "11-28", 3)]
CDC_INSTANT = [("台风过后48小时内完成受灾村居消杀指导", "07-21", "09-12", 2),
               ("开学前完成辖区学校传染病防控督导", "08-04", "08-15", 14),
               ("输入性登革热病例周边7日内完成蚊媒应急监测", "06-02", "10-17", 7),
               ("流感高发季每周发布健康提示", "11-03", "11-21", 30)]

DEPT_GROUPS_HOSP = ["心血管内科医护人员", "急诊医学科医护人员", "护士长例会成员", "门诊部窗口工作人员",
                    "后勤保障处职工", "外包服务人员", "重症医学科医护人员", "青年医务人员代表", "医技科室职工"]
DEPT_GROUPS_CDC = ["免疫规划科职工", "传染病防制科职工", "卫生检验科技术人员", "青年职工代表", "办公室及后勤人员"]
MASSES = ["住院患者及家属", "门诊候诊患者", "社区居民代表", "病友会患者代表", "结对困难家庭成员"]
CDC_MASSES = ["接种儿童家长", "社区居民代表", "企业职工代表", "学校师生代表", "结对困难家庭成员"]
TALK_SUBJECTS = ["了解科室工作困难和职工思想动态", "听取对单位发展的意见建议", "谈工作、谈思想、谈作风",
                 "了解家庭困难并帮助协调解决", "传达上级会议精神并听取意见"]

RECEPTION_NOTES = {
    "fixed_point": "地点：门诊楼一楼群众来访接待室",
    "open": "地点：门诊大厅，公开接访",
    "thematic": "专题接访：{}",
    "key_appointment": "重点约访：{}",
    "visit_with_case": "带案下访：赴{}",
    "home_return_visit": "上门回访：{}",
}
THEMES_HOSP = ["医疗收费与医保结算", "就医流程与便民服务", "医疗质量与安全", "职工权益保障"]
THEMES_CDC = ["预防接种服务", "职业健康检查", "传染病防控", "职工权益保障"]


# ---------------------------------------------------------------------------
# The three units. Roles: R (role, from, to, **extra). Branch ids B01...; persons P001...

def R (role, frm="2025-01-01", to=None, **kw):
    r = {"role": role, "from": frm}
    if to:
        r["to"] = to
    r.update (kw)
    return r


PM = R ("party_member")

UNITS = [
    {
        "unit": "H001", "name": "镇江市第一人民医院", "cdc": False,
        "orgs": [("B01", "内科党支部", "P007"), ("B02", "外科党支部", "P008"), ("B03", "行政后勤党支部", "P009")],
        "persons": [
            ("P001", "周建华", "B03", "党委书记", [R ("main_leader"), PM], "main"),
            ("P002", "沈立新", "B03", "院长、党委副书记", [R ("main_leader"), PM], "main"),
            ("P003", "王海燕", "B03", "党委副书记、纪委书记", [R ("leader"), PM], "leader"),
            ("P004", "陈志刚", "B03", "副院长", [R ("leader"), PM], "leader"),
            ("P005", "刘敏", "B03", "副院长", [R ("leader"), PM], "leader"),
            ("P006", "孙晓东", "B03", "副院长（2025年7月任职）", [R ("leader", "2025-07-01"), PM], "leader"),
            ("P007", "朱丽萍", "B01", "内科党支部书记、消化内科主任", [R ("org_head"), PM], "doctor"),
            ("P008", "钱俊", "B02", "外科党支部书记、普外科主任", [R ("org_head"), PM], "doctor"),
            ("P009", "吴静", "B03", "行政后勤党支部书记、党委办公室主任", [R ("org_head"), PM], "staff"),
            ("P010", "蒋文斌", "B01", "心血管内科主任医师、市党代表",
             [PM, R ("rep_city", frontline=True, term_from="2021-09-01", term_to="2026-08-31")], "doctor"),
            ("P011", "杨雪梅", "B02", "普外科护士长、院党代表",
             [PM, R ("rep_unit", frontline=True, term_from="2022-06-01", term_to="2027-05-31")], "nurse"),
            ("P012", "许子豪", "B03", "医务处科员，挂职丹徒区高资街道社区卫生服务中心副主任",
             [PM, R ("seconded", "2025-01-01", "2025-12-31", category="reserve")], "seconded"),
            ("P013", "韩明", "B01", "消化内科主治医师", [PM], "doctor"),
            ("P014", "马玉兰", "B01", "退休党员（原内科护士长）", [PM], "retired"),
            ("P015", "黄磊", "B02", "骨科副主任医师", [PM], "doctor"),
        ],
        "secondment": {"person": "P012", "host": "丹徒区高资街道社区卫生服务中心",
                       "mentor": "高资街道社区卫生服务中心主任 李国平"},
        "opinions": 88, "petitions": 22, "instant": 8,
        "mailboxes": ["书记院长信箱（医院门户网站）", "院长微信信箱（医院微信公众号）"],
        "exchanges": [("2025-07-10", "2025年上半年领导干部调研成果交流会"),
                      ("2025-12-18", "2025年度领导班子调研成果讨论交流会")],
        "breaks": {
            "research_days": {"P002": 52},          # one trip entered as 3 days, corrected to 1: 54 -> 52
            "skip_periods": {"P004": ["2025-03b"]},
            "unannounced_reception": ["P003"],
            "opinion_closed_late": 1,
            "petition_unsigned": 1,
            "commitment_unfulfilled": ["P013"],
        },
    },
    {
        "unit": "H002", "name": "镇江市第二人民医院", "cdc": False,
        "orgs": [("B01", "内科党支部", "P007"), ("B02", "外科医技党支部", "P008"), ("B03", "机关党支部", "P004")],
        "persons": [
            ("P001", "顾振宇", "B03", "党委书记", [R ("main_leader"), PM], "main"),
            ("P002", "李春燕", "B03", "院长、党委副书记", [R ("main_leader"), PM], "main"),
            ("P003", "赵卫国", "B03", "副院长", [R ("leader"), PM], "leader"),
            ("P004", "徐红", "B03", "副院长、机关党支部书记", [R ("leader"), R ("org_head"), PM], "leader"),
            ("P005", "丁浩", "B03", "副院长", [R ("leader"), PM], "leader"),
            ("P006", "潘永康", "B03", "纪委书记（2025年10月起任调研员）", [R ("leader", to="2025-09-30"), PM], "leader"),
            ("P007", "邵丽娟", "B01", "内科党支部书记、呼吸与危重症医学科主任", [R ("org_head"), PM], "doctor"),
            ("P008", "戴伟", "B02", "外科医技党支部书记、泌尿外科主任", [R ("org_head"), PM], "doctor"),
            ("P009", "储建军", "B02", "急诊医学科主任医师、市党代表",
             [PM, R ("rep_city", frontline=True, term_from="2021-09-01", term_to="2026-08-31")], "doctor"),
            ("P010", "施文静", "B01", "妇产科护士长、院党代表",
             [PM, R ("rep_unit", frontline=False, term_from="2023-03-01", term_to="2028-02-29")], "nurse"),
            ("P011", "唐晨", "B02", "信息科科员，挂职句容市茅山镇卫生院院长助理",
             [PM, R ("seconded", "2025-01-01", "2025-12-31", category="new_recruit")], "seconded"),
            ("P012", "冯秀英", "B01", "儿科主治医师", [PM], "doctor"),
            ("P013", "卞国强", "B02", "退休党员（原放射科技师）", [PM], "retired"),
        ],
        "secondment": {"person": "P011", "host": "句容市茅山镇卫生院", "mentor": "茅山镇卫生院院长 周志勇"},
        "opinions": 62, "petitions": 18, "instant": 6,
        "mailboxes": ["书记院长信箱（医院门户网站）"],
        "exchanges": [("2025-12-12", "2025年度调研成果讨论交流会")],
        "breaks": {
            "late_plan": {"P003": "2025-04-15"},
            "key_visits": {"P005": 3},
            "shared_contact_point": ["P004", "P005"],
            "opinion_unassigned": 1,
            "opinion_open_overdue": 1,
            "petition_wrong_signer": ("P005", "P002"),
            "petition_group_by": "P008",
            "appeal_late": 1,
            "commitment_late_annual": {"P012": "2025-04-08"},
            "org_head_short": ("P008", "P013"),
        },
    },
    {
        "unit": "H003", "name": "镇江市疾病预防控制中心", "cdc": True,
        "orgs": [("B01", "疾病防制党支部", "P005"), ("B02", "综合管理党支部", "P006")],
        "persons": [
            ("P001", "吕志明", "B02", "党委书记、主任", [R ("main_leader"), PM], "main"),
            ("P002", "姜文", "B02", "副主任", [R ("leader"), PM], "leader"),
            ("P003", "陆燕", "B02", "副主任", [R ("leader"), PM], "leader"),
            ("P004", "邹建平", "B02", "纪委书记", [R ("leader"), PM], "leader"),
            ("P005", "曹丽", "B01", "疾病防制党支部书记、传染病防制科科长", [R ("org_head"), PM], "cdc"),
            ("P006", "魏强", "B02", "综合管理党支部书记、办公室主任", [R ("org_head"), PM], "staff"),
            ("P007", "葛红梅", "B01", "免疫规划科副主任医师、市党代表",
             [PM, R ("rep_city", frontline=True, term_from="2021-09-01", term_to="2026-08-31")], "cdc"),
            ("P008", "严俊杰", "B01", "慢性非传染性疾病防制科医师、中心党代表",
             [PM, R ("rep_unit", frontline=True, term_from="2022-11-01", term_to="2027-10-31")], "cdc"),
            ("P009", "范晓婷", "B02", "卫生检验科技师，挂职扬中市八桥镇卫生院副院长",
             [PM, R ("seconded", "2025-01-01", "2025-12-31", category="reserve")], "seconded"),
            ("P010", "田国华", "B02", "退休党员（原卫生监测科科长）", [PM], "retired"),
            ("P011", "汪洋", "B01", "职业卫生科医师", [PM], "cdc"),
        ],
        "secondment": {"person": "P009", "host": "扬中市八桥镇卫生院", "mentor": None},
        "opinions": 34, "petitions": 8, "instant": 5,
        "mailboxes": ["主任信箱（中心门户网站）"],
        "exchanges": [],
        "breaks": {
            "skip_periods": {"P001": ["2025-08"]},
            "no_report": ["P004"],
            "rep_unit_studio": 4,
            "opinion_no_feedback": 1,
            "instant_fulfilled_late": 1,
            "petition_open_overdue": 1,
        },
    },
]

# What the check must find unmet (rule, subject), per unit; warnings are listed with "w:".
EXPECTED = {
    "H001": {("1.3b", "P002"), ("4.1b", "P004"), ("4.2a", "P003"), ("6.3b", "YJ2025-%03d"),
             ("4.3c", "XF2025-%03d"), ("7.3", "CN2025-%03d")},
    "H002": {("1.3a", "P003"), ("4.1c", "P005"), ("w:2.1c", "unit"), ("6.3a", "YJ2025-%03d"),
             ("6.3b", "YJ2025-%03d"), ("4.3c", "XF2025-%03d"), ("4.3d", "XF2025-%03d"),
             ("7.1a", "P012"), ("5.1b", "P008")},
    "H003": {("1.3g", "unit"), ("4.1a", "P001"), ("1.3d", "P004"), ("3.2a", "P009"),
             ("8.1b", "P008"), ("6.1", "YJ2025-%03d"), ("7.3", "CN2025-%03d"), ("4.3b", "XF2025-%03d")},
}

# rules v2 texts
SECONDMENT_TRAININGS = ["参加市卫健委挂职干部专题培训班（基层公共卫生管理）", "参加挂职干部岗前专题培训",
                        "参加市委组织部年轻干部基层挂职专题培训"]
SECONDMENT_LIAISONS = ["派出单位党委办公室赴挂职单位了解挂职干部工作情况", "派出单位与挂职单位电话沟通挂职干部表现",
                       "派出单位分管领导走访挂职单位"]
APPEALS = [("letter", "来信反映门诊挂号难"), ("mailbox", "网上信箱反映住院费用清单不清楚"),
           ("hotline", "热线反映夜间急诊等候时间长"), ("weibo", "政务微博反映停车收费问题"),
           ("mailbox", "网上信箱咨询医保异地结算"), ("letter", "来信反映体检报告领取不便"),
           ("hotline", "热线反映预约检查时间过长")]
ACTIVITY_DAYS = ["统一活动日：集中学习", "统一活动日：志愿服务", "统一活动日：主题党日", "统一活动日：义诊进社区"]

KIND_CODE = {
    "person": "PS", "org": "OG", "research_plan": "RP", "research_trip": "RT", "research_report": "RR",
    "work_item": "WI", "results_exchange": "RX", "contact_point": "CP", "paired_family": "PF",
    "contact_visit": "CV", "practical_deed": "PD", "secondment": "SM", "secondment_review": "SR",
    "reception_day": "RD", "petition_case": "PC", "petition_closed": "PX", "talk": "TK", "opinion": "OP",
    "opinion_assigned": "OA", "opinion_closed": "OC", "mailbox": "MB", "commitment": "CM",
    "commitment_fulfilled": "CF", "commitment_evaluated": "CE", "rep_activity": "RA",
    "appeal": "AP", "case_action": "CA", "secondment_training": "ST", "secondment_liaison": "SL",
    "rep_studio": "DS", "activity_day": "AD",
    "correction": "CR", "void": "VD",
}


# ---------------------------------------------------------------------------
# Building one unit's ledger

class Ledger:
    """Rows of one unit under construction; refs are given after sorting by date."""

    def __init__ (self, cfg, rng):
        self.cfg, self.rng = cfg, rng
        self.uid = cfg["unit"]
        self.cdc = cfg["cdc"]
        self.brk = cfg["breaks"]
        self.rows = []
        self.busy = {}                # person -> set of days taken by trips, receptions, visits
        self.marks = {}               # name -> row, for the README's line numbers
        self.fixes = []               # (row, changes, note) corrections made after refs exist
        self.voids = []               # (row, reason)
        self.points = {}              # person -> contact point
        self.person = {p[0]: p for p in cfg["persons"]}
        self.n_case = self.n_opinion = self.n_commit = 0
        self.links = []               # (row, key, target row): KEY takes the target's ref in finish
        # rules v2 additions draw from their own generator, so the v1 rows stay as they were
        self.rng2 = random.Random ("%d-v2-%s" % (YEAR, self.uid))

    def add (self, kind, date, fields, note=None, mark=None):
        obj = {"kind": kind, "ref": None}
        if date is not None:
            obj["date"] = date.isoformat ()
        for k, v in fields.items ():
            if v is not None:
                obj[k] = v.isoformat () if isinstance (v, datetime.date) else v
        if note:
            obj["note"] = note
        row = {"obj": obj, "sort": date, "seq": len (self.rows)}
        self.rows.append (row)
        if mark:
            self.marks[mark] = row
        return row

    def pick (self, seq):
        return seq[self.rng.randrange (len (seq))]

    def free_day (self, pid, lo, hi, exclusive=True):
        """A random workday in [lo, hi] not yet taken by PID (and takes it when exclusive)."""
        cands = [d for d in WORKDAYS if lo <= d <= hi and d not in self.busy.setdefault (pid, set ())]
        if not cands:
            raise RuntimeError ("%s %s: no free workday in %s..%s" % (self.uid, pid, lo, hi))
        d = self.pick (cands)
        if exclusive:
            self.busy[pid].add (d)
        return d

    def workday (self, lo, hi):
        """A random workday in [lo, hi]; lo itself when there is none."""
        cands = [d for d in WORKDAYS if lo <= d <= hi]
        return self.pick (cands) if cands else lo

    def roles (self, pid):
        return [r["role"] for r in self.person[pid][4]]

    def span (self, pid, role):
        for r in self.person[pid][4]:
            if r["role"] == role:
                return max (D (r["from"]), Y0), min (D (r.get ("to", "9999-12-31")), Y1)
        return None

    # -- roster ------------------------------------------------------------------

    def roster (self):
        for pid, name, org, title, roles, _ in self.cfg["persons"]:
            self.add ("person", None, {"person": pid, "name": name, "org": org, "roles": roles}, note=title)
        for oid, name, head in self.cfg["orgs"]:
            self.add ("org", None, {"org": oid, "name": name, "head": head})

    # -- 1. research, 2. contact points, 4. reception, 5. talks of leading cadres --------

    def leading (self, pid):
        main = "main_leader" in self.roles (pid)
        lo, hi = self.span (pid, "main_leader" if main else "leader")
        months = (hi.year - lo.year) * 12 + hi.month - lo.month + 1
        places = CDC_PLACES if self.cdc else HOSP_PLACES
        topics = CDC_TOPICS if self.cdc else HOSP_TOPICS
        brk = self.brk

        # 1.3a plan: early in the year, or soon after taking office
        plan = brk.get ("late_plan", {}).get (pid)
        if plan:
            self.add ("research_plan", D (plan), {"person": pid}, mark="late_plan",
                      note="年度调研计划（延至4月报送）")
        else:
            a = max (lo, D ("2025-01-06"))
            self.add ("research_plan", self.workday (a, a + 35 * ONE), {"person": pid}, note="%d年度调研计划" % YEAR)

        # 2.1a contact point and 2.1b paired family, assigned at the start
        shared = brk.get ("shared_contact_point", [])
        if pid in shared[1:]:
            point = self.points[shared[0]]
        else:
            used = [self.points[p] for p in sorted (self.points)]
            point = self.pick ([p for p in places if p not in used and re.search ("卫生院|社区卫生服务中心", p)])
        self.points[pid] = point
        d0 = self.workday (max (lo, D ("2025-01-06")), max (lo, D ("2025-01-06")) + 20 * ONE)
        row = self.add ("contact_point", d0, {"person": pid, "point": point,
                                              "to": hi if hi < Y1 else None})
        if pid in shared[1:]:
            self.marks["shared_contact_point"] = row
        town, village = TOWNS[len (self.points) % len (TOWNS)]
        family = "%s%s%s（户主%s某）" % (town, village, self.pick (FAMILY_WHY), self.pick (SURNAMES))
        self.add ("paired_family", d0 + ONE if d0 + ONE in WORKSET else d0, {"person": pid, "family": family})

        # 1.3c stationed research for main leaders: one 5-7 day stay at the contact point
        if main:
            while True:
                start = self.pick ([d for d in WORKDAYS if d.weekday () == 0 and
                                    (D ("2025-04-01") <= d <= D ("2025-06-20") or
                                     D ("2025-09-08") <= d <= D ("2025-11-20"))])
                n = self.pick ([5, 5, 6, 7])
                span = days (start, start + (n - 1) * ONE)
                if not any (d in self.busy.setdefault (pid, set ()) or d in HOLIDAYS for d in span):
                    break
            self.busy[pid].update (span)
            self.add ("research_trip", start, {"person": pid, "end": span[-1], "place": point,
                                               "stationed": True, "unannounced": False,
                                               "topic": "驻点调研，开展“三解三促”：%s" % self.pick (topics)})

        # 4.1 reception days: one per month (main) or per half month (leader)
        skip = brk.get ("skip_periods", {}).get (pid, [])
        keys = brk.get ("key_visits", {}).get (pid, self.pick ([4, 5, 5, 6]))
        periods = []
        for m in range (lo.month, hi.month + 1):
            me = month_end (YEAR, m)
            first = datetime.date (YEAR, m, 8 if m == 1 else 1)
            if main:
                periods.append (("%d-%02d" % (YEAR, m), first, me))
            else:
                periods.append (("%d-%02da" % (YEAR, m), first, datetime.date (YEAR, m, 15)))
                periods.append (("%d-%02db" % (YEAR, m), datetime.date (YEAR, m, 16), me))
        periods = [p for p in periods if p[0] not in skip]
        key_periods = set (self.rng.sample (range (len (periods)), keys))
        unannounced = 1 if pid in brk.get ("unannounced_reception", []) else 0
        themes = THEMES_CDC if self.cdc else THEMES_HOSP
        for i, (_, a, b) in enumerate (periods):
            d = self.free_day (pid, a, b)
            if i in key_periods:
                mode = self.pick (["key_appointment", "visit_with_case"])
            else:
                mode = self.pick (["fixed_point"] * 5 + ["open"] * 3 + ["thematic"] * 2 + ["home_return_visit"])
            arg = {"thematic": self.pick (themes), "key_appointment": "长期信访重点人员约谈",
                   "visit_with_case": self.pick (places[:12]),
                   "home_return_visit": "%s来访群众家中" % self.pick (["京口区", "润州区", "丹徒区", "镇江新区"])}
            note = RECEPTION_NOTES[mode].format (arg.get (mode, ""))
            if self.cdc and mode == "fixed_point":
                note = "地点：中心一楼群众来访接待室"
            announced = self.workday (d - 7 * ONE, d - 3 * ONE)
            mark = None
            if unannounced and i == len (periods) // 3:
                announced, mark, unannounced = None, "unannounced_reception", 0
            self.add ("reception_day", d, {"person": pid, "mode": mode, "announced": announced},
                      note=note, mark=mark)

        # 2.3a visits (and 2.3b a practical deed on one of them)
        visits = [self.free_day (pid, max (lo, D ("2025-02-10")), min (hi, D ("2025-12-19")))
                  for _ in range (self.rng.randint (3, 5))]
        for d in sorted (visits):
            self.add ("contact_visit", d, {"person": pid, "point": point},
                      note=self.pick (["座谈了解基层工作困难", "现场查看门诊和病房运行", "参加联系点工作例会",
                                       "指导联系点业务建设", "与联系点干部职工谈心交流"]))
        deeds = CDC_DEEDS if self.cdc else HOSP_DEEDS
        self.add ("practical_deed", sorted (visits)[1], {"person": pid, "beneficiary": point, "title": self.pick (deeds)})
        if self.rng.random () < 0.6:
            self.add ("practical_deed", self.workday (max (lo, D ("2025-09-01")), D ("2025-12-19")),
                      {"person": pid, "beneficiary": family, "title": self.pick (FAMILY_DEEDS)})

        # 1.3b/f research days: fill with 1-3 day trips up to the target, exactly
        if main:
            target = brk.get ("research_days", {}).get (pid, self.rng.randint (61, 70))
        else:
            full = self.rng.randint (31, 38)
            target = max (math.ceil (full * months / 12), math.ceil (30 * months / 12) + 3)
        self.trips (pid, lo, hi, target - self.trip_days (pid), places, topics, point)

        # 1.3d reports, 1.3e work items
        if pid not in brk.get ("no_report", []):
            for _ in range (self.rng.randint (1, 2)):
                self.add ("research_report", self.workday (max (lo + 60 * ONE, D ("2025-06-01")), min (hi, D ("2025-12-24"))),
                          {"person": pid, "title": "关于%s的调研报告" % self.pick (topics)})
        if main:
            items = CDC_WORK_ITEMS if self.cdc else HOSP_WORK_ITEMS
            for t in self.rng.sample (items, self.rng.randint (1, 2)):
                self.add ("work_item", self.workday (D ("2025-03-01"), D ("2025-11-28")), {"person": pid, "title": t})

        # 5.1a talks
        def others (d):
            return [p for p in sorted (self.person) if p != pid and any (
                s and s[0] <= d <= s[1] for s in (self.span (p, "main_leader"), self.span (p, "leader")))]
        depts = DEPT_GROUPS_CDC if self.cdc else DEPT_GROUPS_HOSP
        masses = CDC_MASSES if self.cdc else MASSES
        cats = ["team_member", "department", "contact_point", "masses"]
        cats += [self.pick (["team_member", "department", "masses", "party_member", "department"])
                 for _ in range (self.rng.randint (2, 8))]
        members = [p for p in sorted (self.person) if p != pid and "party_member" in self.roles (p)]
        for cat in cats:
            d = self.workday (lo, min (hi, D ("2025-12-26")))
            who = {"team_member": lambda: self.pick (others (d)), "department": lambda: self.pick (depts),
                   "contact_point": lambda: point + "医务人员", "masses": lambda: self.pick (masses),
                   "party_member": lambda: self.pick (members)}[cat] ()
            form = ("individual" if cat in ("team_member", "party_member") else
                    self.pick (["collective", "collective", "individual", "random"]))
            self.add ("talk", d, {"person": pid, "with": who, "with_category": cat, "form": form,
                                  "mode": self.pick (["in_person"] * 6 + ["phone"])},
                      note=self.pick (TALK_SUBJECTS))

    def trip_days (self, pid):
        return sum ((D (r["obj"]["end"]) - D (r["obj"]["date"])).days + 1 for r in self.rows
                    if r["obj"]["kind"] == "research_trip" and r["obj"]["person"] == pid)

    def trips (self, pid, lo, hi, target, places, topics, point):
        left = target
        busy = self.busy.setdefault (pid, set ())
        while left > 0:
            n = min (left, self.pick ([1, 1, 1, 2, 2, 3]))
            cands = [d for d in WORKDAYS if lo <= d and d + (n - 1) * ONE <= min (hi, D ("2025-12-26"))
                     and all (d + i * ONE in WORKSET and d + i * ONE not in busy for i in range (n))]
            d = self.pick (cands)
            busy.update (d + i * ONE for i in range (n))
            topic = self.pick (topics)
            special = [pl for k, pl in TOPIC_PLACES if re.search (k.replace ("(HOSPITAL)", ""), topic)
                       and not (self.cdc and k.startswith ("(HOSPITAL)"))]
            if special:
                place = self.pick (special[0])
            else:
                place = point if self.rng.random () < 0.2 else self.pick (places)
            self.add ("research_trip", d, {"person": pid, "end": d + (n - 1) * ONE, "place": place,
                                           "stationed": False, "unannounced": self.rng.random () < 0.2,
                                           "topic": topic})
            left -= n

    # -- 5.1b talks of branch secretaries with their members ------------------------------

    def branch_talks (self, oid, head):
        members = [p for p in sorted (self.person) if p != head and self.person[p][2] == oid
                   and "party_member" in self.roles (p)]
        short = self.brk.get ("org_head_short")
        for m in members:
            n = 1 if short == (head, m) else self.pick ([2, 2, 3])
            windows = [(D ("2025-02-10"), D ("2025-05-30")), (D ("2025-06-03"), D ("2025-09-30")),
                       (D ("2025-10-09"), D ("2025-12-26"))]
            retired = self.person[m][5] == "retired"
            for a, b in windows[:n] if n == 3 else self.rng.sample (windows, n):
                d = self.workday (a, b)
                mode = self.pick (["phone", "home_visit"]) if retired else "in_person"
                self.add ("talk", d, {"person": head, "with": m, "with_category": "party_member",
                                      "form": "individual", "mode": mode},
                          note=self.pick (TALK_SUBJECTS), mark="org_head_short" if n == 1 else None)

    # -- 8. party representatives ---------------------------------------------------------

    def rep (self, pid):
        city = "rep_city" in self.roles (pid)
        role = [r for r in self.person[pid][4] if r["role"] in ("rep_city", "rep_unit")][0]
        studio = 5 if city else self.brk.get ("rep_unit_studio", self.rng.randint (7, 8))
        notes = {"studio_reception": "在党代表工作室驻室接待群众，受理诉求%d件",
                 "advice": "就基层卫生服务能力提升建言献策", "service": "参加党代表进社区义诊服务",
                 "exchange": "参加党代表工作室交流研讨活动",
                 "inspection": "参加%s党代表视察基层医疗卫生机构运行情况" % ("市" if city else "单位"),
                 "committee_meeting": "列席市委全体会议" if city else "列席党委会议",
                 "proposal": "提交关于完善基层急救网络建设的提议" if not self.cdc else "提交关于加强学校卫生工作的提议"}
        acts = ["studio_reception", "advice", "service", "exchange"]
        acts = acts + [self.pick (acts[:3]) for _ in range (studio - 4)] if studio >= 4 else acts[:studio]
        acts += ["inspection", "committee_meeting"] + (["proposal"] if role.get ("frontline") else [])
        dates = sorted (self.workday (D ("2025-02-17"), D ("2025-12-19")) for _ in acts)
        self.rng.shuffle (acts)
        for d, a in zip (dates, acts):
            n = self.rng.randint (1, 4)
            self.add ("rep_activity", d, {"person": pid, "activity": a}, note=notes[a].replace ("%d", str (n)),
                      mark="rep_short" if studio < 6 and not city and a == "studio_reception" else None)

    # -- 3. secondment ------------------------------------------------------------------

    def secondment (self):
        s = self.cfg["secondment"]
        pid = s["person"]
        role = [r for r in self.person[pid][4] if r["role"] == "seconded"][0]
        term = self.add ("secondment", D ("2025-01-02"), {"person": pid, "category": role["category"], "host": s["host"],
                                                          "from": D (role["from"]), "to": D (role["to"]),
                                                          "mentor": s["mentor"]},
                         mark="no_mentor" if not s["mentor"] else None)
        review = self.add ("secondment_review", self.workday (D ("2025-12-15"), D ("2025-12-26")), {"person": pid},
                           note="挂职期满述职评议，实绩考核等次：%s" % self.pick (["优秀", "称职", "称职"]))
        # v2: the term's special training (3.2d) and the sending unit's contacts with the host (3.2e)
        self.link (review, "secondment", term)
        w = lambda lo, hi: self.rng2.choice ([d for d in WORKDAYS if D (lo) <= d <= D (hi)])
        self.link (self.add ("secondment_training", w ("2025-01-06", "2025-02-28"), {"secondment": "", "person": pid},
                             note=self.rng2.choice (SECONDMENT_TRAININGS)), "secondment", term)
        for lo, hi in (("2025-04-01", "2025-05-30"), ("2025-09-01", "2025-10-31")):
            self.link (self.add ("secondment_liaison", w (lo, hi), {"secondment": "", "person": pid},
                                 note=self.rng2.choice (SECONDMENT_LIAISONS)), "secondment", term)

    def link (self, row, key, target):
        """ROW's KEY is TARGET's ref (refs are given in finish)."""
        row["obj"][key] = ""
        self.links.append ((row, key, target))

    # -- 7. commitments ------------------------------------------------------------------

    def commitment_id (self):
        self.n_commit += 1
        return "CN%d-%03d" % (YEAR, self.n_commit)

    def commitments (self):
        published = CDC_PUBLISHED if self.cdc else PUBLISHED
        late = self.brk.get ("commitment_late_annual", {})
        unfulfilled = self.brk.get ("commitment_unfulfilled", [])
        makers = [("person", p) for p in sorted (self.person) if "party_member" in self.roles (p)]
        makers += [("org", o[0]) for o in self.cfg["orgs"]]
        for who, x in makers:
            if who == "org":
                content = COMMIT_ORG
            else:
                arche = self.person[x][5]
                content = {"main": COMMIT_MAIN, "leader": COMMIT_LEADER, "retired": COMMIT_RETIRED,
                           "seconded": COMMIT_SECONDED}.get (arche)
                if "org_head" in self.roles (x) and arche != "leader":
                    content = COMMIT_ORG_HEAD
                if not content:
                    content = self.pick ({"doctor": COMMIT_DOCTOR, "nurse": COMMIT_NURSE, "staff": COMMIT_STAFF,
                                          "cdc": COMMIT_CDC}[arche])
            cid = self.commitment_id ()
            d = D (late[x]) if x in late else self.workday (D ("2025-01-08"), D ("2025-03-21"))
            # the never-fulfilled one was due by the end of November, so it is overdue at year end
            dl = D ("2025-11-30") if x in unfulfilled else Y1
            self.add ("commitment", d, {"commitment": cid, who: x, "type": "annual", "deadline": dl,
                                        "published": self.pick (published), "content": content},
                      mark="late_annual" if x in late else ("unfulfilled" if x in unfulfilled else None),
                      note="返岗后补作年度承诺" if x in late else None)
            if x in unfulfilled:
                self.add ("commitment_evaluated", self.workday (D ("2025-12-22"), D ("2025-12-30")),
                          {"commitment": cid, "grade": "poor", "method": "leader"}, note="承诺事项未兑现")
                continue
            self.add ("commitment_fulfilled", self.workday (D ("2025-12-01"), D ("2025-12-19")), {"commitment": cid})
            self.add ("commitment_evaluated", self.workday (D ("2025-12-22"), D ("2025-12-30")),
                      {"commitment": cid, "grade": self.pick (["excellent", "good", "good", "fair"]),
                       "method": self.pick (["self", "peer", "masses", "leader"])})
        late_instant = self.brk.get ("instant_fulfilled_late", 0)
        pool = CDC_INSTANT if self.cdc else HOSP_INSTANT
        members = [p for p in sorted (self.person) if self.person[p][5] not in ("retired", "seconded")]
        for i in range (self.cfg["instant"]):
            content, a, b, n = self.pick (pool)
            d = self.workday (D ("%d-%s" % (YEAR, a)), D ("%d-%s" % (YEAR, b)))
            dl = d + n * ONE
            cid = self.commitment_id ()
            self.add ("commitment", d, {"commitment": cid, "person": self.pick (members), "type": "instant",
                                        "deadline": dl, "published": self.pick (published[:3]),
                                        "content": content},
                      mark="instant_late" if i < late_instant else None)
            done = self.workday (dl + 3 * ONE, dl + 8 * ONE) if i < late_instant else self.workday (d, dl)
            self.add ("commitment_fulfilled", done, {"commitment": cid})
            # v2 (7.4): every commitment is evaluated, instant ones soon after they are done
            ev = min (self.rng2.choice ([d2 for d2 in WORKDAYS if done < d2 <= done + 12 * ONE] or [done]), Y1)
            self.add ("commitment_evaluated", ev,
                      {"commitment": cid, "grade": self.rng2.choice (["excellent", "good", "good", "fair"]
                                                                     if i >= late_instant else ["fair", "poor"]),
                       "method": self.rng2.choice (["masses", "leader", "peer"])})

    # -- 4.3 petition cases, received on leading cadres' reception days -----------------

    def petitions (self):
        single = CDC_PETITIONS if self.cdc else HOSP_PETITIONS
        group = CDC_GROUP_PETITIONS if self.cdc else HOSP_GROUP_PETITIONS
        days_ = [r for r in self.rows if r["obj"]["kind"] == "reception_day" and r["sort"] <= D ("2025-11-14")
                 and r["obj"]["mode"] != "home_return_visit"]
        chosen = sorted (self.rng.sample (days_, self.cfg["petitions"]), key=lambda r: (r["sort"], r["seq"]))
        wrong = self.brk.get ("petition_wrong_signer")
        flags = {"unsigned": self.brk.get ("petition_unsigned", 0), "open": self.brk.get ("petition_open_overdue", 0),
                 "wrong": 1 if wrong else 0}
        cases = []
        for i, r in enumerate (chosen):
            d, pid = r["sort"], r["obj"]["person"]
            is_group = i in (3, 11)
            what, measures, resp = self.pick (group if is_group else single)
            size = self.rng.randint (6, 15) if is_group else self.pick ([1] * 8 + [2, 3])
            cases.append ((d, pid, what, measures, resp, size))
        gb = self.brk.get ("petition_group_by")
        if gb:
            cases.append ((self.workday (D ("2025-06-09"), D ("2025-06-20")), gb) + HOSP_GROUP_PETITION_WAGES + (12,))
            cases.sort (key=lambda c: c[0])
        for d, pid, what, measures, resp, size in cases:
            self.n_case += 1
            case = "XF%d-%03d" % (YEAR, self.n_case)
            dl = d + self.pick ([15, 15, 30, 30, 60]) * ONE
            if dl > D ("2025-12-19"):
                dl = d + 15 * ONE
            mark = None
            if pid == gb:
                mark = "group_by_org_head"
            # v2 (4.3e): the year's first group petition is of wide public concern
            high = size >= 5 and pid != gb and not any (r["obj"]["kind"] == "case_action" for r in self.rows)
            self.add ("petition_case", d, {"case": case, "person": pid, "group_size": size, "measures": measures,
                                           "responsible": resp, "deadline": dl, "high_profile": True if high else None},
                      note="来访事由：%s" % what, mark=mark)
            if high:
                main = [p for p in self.leaders () if "main_leader" in self.roles (p)][0]
                self.add ("case_action", min (d + ONE, dl), {"case": case, "person": main, "action": "coordination"},
                          note="主要领导召集相关科室协调解决")
            if flags["open"] and D ("2025-09-01") <= d <= D ("2025-11-01"):
                flags["open"] -= 1
                self.marks["petition_open"] = self.rows[-1]
                continue
            closed = self.workday (d + 2 * ONE, dl)
            signer, mark = pid, None
            if flags["unsigned"] and d >= D ("2025-05-01") and size == 1:
                signer, mark = None, "petition_unsigned"
                flags["unsigned"] -= 1
            elif flags["wrong"] and pid == wrong[0] and d >= D ("2025-04-01"):
                signer, mark = wrong[1], "petition_wrong_signer"
                flags["wrong"] -= 1
            self.add ("petition_closed", closed, {"case": case, "signed_by": signer},
                      note="答复意见书已送达来访人", mark=mark)
        assert not any (flags.values ()), (self.uid, flags)

    # -- 6. opinions ---------------------------------------------------------------------

    def opinions (self):
        pool = CDC_OPINIONS if self.cdc else HOSP_OPINIONS
        n = self.cfg["opinions"]
        dates = sorted (self.workday (D ("2025-01-06"), D ("2025-11-14")) for _ in range (n))
        late = self.brk.get ("opinion_closed_late", 0)
        unassigned = self.brk.get ("opinion_unassigned", 0)
        open_ = self.brk.get ("opinion_open_overdue", 0)
        nofb = self.brk.get ("opinion_no_feedback", 0)
        deck = []
        for i, d in enumerate (dates):
            self.n_opinion += 1
            oid = "YJ%d-%03d" % (YEAR, self.n_opinion)
            if not deck:
                deck = list (pool)
                self.rng.shuffle (deck)
            topic, dept = deck.pop ()
            ch = self.pick (CHANNELS)
            middle = D ("2025-04-01") <= d <= D ("2025-09-30")
            if unassigned and middle and i % 7 == 3:
                unassigned -= 1
                self.add ("opinion", d, {"opinion": oid, "channel": ch, "topic": topic}, mark="opinion_unassigned")
                continue
            self.add ("opinion", d, {"opinion": oid, "channel": ch, "topic": topic})
            a = self.workday (d + ONE, d + 4 * ONE)
            dl = a + self.pick ([15, 20, 30]) * ONE
            # v2 (6.3c): the leading cadre who claims the opinion
            self.add ("opinion_assigned", a, {"opinion": oid, "department": dept, "person": self.rng2.choice (self.leaders ()),
                                              "deadline": dl})
            if open_ and middle and i % 5 == 1:
                open_ -= 1
                self.marks["opinion_open"] = self.rows[-1]
                continue
            if late and middle and i % 5 == 2:
                late -= 1
                c = self.workday (dl + 5 * ONE, dl + 14 * ONE)
                self.add ("opinion_closed", c, {"opinion": oid, "adopted": True, "feedback": self.workday (c, c + 3 * ONE)},
                          mark="opinion_late")
                continue
            c = self.workday (a + 2 * ONE, dl)
            fb = None if (nofb and middle and i % 5 == 0) else self.workday (c, min (c + 5 * ONE, Y1))
            mark = None
            if fb is None:
                nofb -= 1
                mark = "opinion_no_feedback"
            self.add ("opinion_closed", c, {"opinion": oid, "adopted": self.rng.random () < 0.8, "feedback": fb},
                      mark=mark)
        assert not (late or unassigned or open_ or nofb), self.uid

    # -- the whole year -------------------------------------------------------------------

    def build (self):
        self.roster ()
        for ch in self.cfg["mailboxes"]:
            self.add ("mailbox", self.workday (D ("2025-01-06"), D ("2025-01-17")), {"channel": ch})
        for d, note in self.cfg["exchanges"]:
            self.add ("results_exchange", D (d), {}, note=note)
        for p in sorted (self.person):
            if "main_leader" in self.roles (p) or "leader" in self.roles (p):
                self.leading (p)
        for oid, _, head in self.cfg["orgs"]:
            self.branch_talks (oid, head)
        for p in sorted (self.person):
            if "rep_city" in self.roles (p) or "rep_unit" in self.roles (p):
                self.rep (p)
        self.secondment ()
        self.commitments ()
        self.petitions ()
        self.opinions ()
        self.v2 ()
        getattr (self, "special_" + self.uid) ()

    def leaders (self):
        return [p for p in sorted (self.person) if "main_leader" in self.roles (p) or "leader" in self.roles (p)]

    def v2 (self):
        """Rules v2 events: appeals (4.2c), the representatives' studio (8.1c), unified activity
        days (7.0). Drawn from rng2, so the v1 rows above do not move."""
        rng = self.rng2
        w = lambda lo, hi: rng.choice ([d for d in WORKDAYS if lo <= d <= hi])
        late = self.brk.get ("appeal_late", 0)
        for i in range (self.cfg.get ("appeals", 6)):
            d = w (D ("2025-01-06"), D ("2025-10-31"))
            ch, topic = rng.choice (APPEALS)
            if i == 2 and late:
                answered, mark = d + 75 * ONE, "appeal_late"
            else:
                answered, mark = w (d + 3 * ONE, d + 40 * ONE), None
            self.add ("appeal", d, {"appeal": "LX%d-%s-%02d" % (YEAR, self.uid, i + 1), "channel": ch,
                                    "person": rng.choice (self.leaders ()), "answered": answered},
                      note=topic, mark=mark)
        reps = [p for p in sorted (self.person) if "rep_city" in self.roles (p) or "rep_unit" in self.roles (p)]
        if reps:
            self.add ("rep_studio", w (D ("2025-01-06"), D ("2025-01-17")),
                      {"studio": "%s-DDB" % self.uid, "reception_schedule": "每月第一个星期三上午",
                       "from": D ("2025-01-01")}, note="党代表工作室设在党委办公室")
        for oid, _, _ in self.cfg["orgs"]:
            for m in range (1, 13):
                lo = datetime.date (YEAR, m, 1)
                self.add ("activity_day", w (lo, month_end (YEAR, m)), {"org": oid},
                          note=rng.choice (ACTIVITY_DAYS))

    # -- corrections and voids, per unit -------------------------------------------------

    def rows_of (self, kind, pid=None):
        return [r for r in self.rows if r["obj"]["kind"] == kind and (pid is None or r["obj"].get ("person") == pid)]

    def duplicate (self, row):
        dup = self.add (row["obj"]["kind"], row["sort"], {k: v for k, v in row["obj"].items ()
                                                           if k not in ("kind", "ref", "date", "note")},
                        note=row["obj"].get ("note"))
        dup["sort"] = row["sort"]
        return dup

    def special_H001 (self):
        # P002 entered one one-day trip as three days; corrected later (research days 54 -> 52)
        busy = self.busy["P002"]
        for r in self.rows_of ("research_trip", "P002"):
            d = r["sort"]
            if (r["obj"]["end"] == r["obj"]["date"] and not r["obj"]["stationed"]
                    and all (d + i * ONE in WORKSET and d + i * ONE not in busy for i in (1, 2))):
                break
        r["obj"]["end"] = (d + 2 * ONE).isoformat ()
        self.fixes.append ((r, {"end": d.isoformat ()}, "返程日期误录，实为当日往返", "fix_trip"))
        # an opinion handed to the wrong department, corrected
        r = self.rows_of ("opinion_assigned")[5]
        self.fixes.append ((r, {"department": "基建处"}, "交办部门录入有误", None))
        # a talk entered twice, the second voided
        self.voids.append ((self.duplicate (self.rows_of ("talk", "P001")[2]), "录入重复"))

    def special_H002 (self):
        r = self.rows_of ("research_trip", "P003")[4]
        self.fixes.append ((r, {"topic": "基层医疗机构院感防控能力建设"}, "调研主题录入有误", None))
        r = [x for x in self.rows_of ("talk", "P001") if x["obj"]["with_category"] == "masses"][0]
        self.fixes.append ((r, {"with": "门诊部窗口工作人员", "with_category": "department"}, "谈话对象类别录错", None))
        self.voids.append ((self.duplicate (self.rows_of ("research_trip", "P004")[6]), "录入重复"))

    def special_H003 (self):
        # a petition reply first entered without the receiving leader's signature, then corrected
        r = [x for x in self.rows_of ("petition_closed") if x["obj"].get ("signed_by")][1]
        signer = r["obj"].pop ("signed_by")
        self.fixes.append ((r, {"signed_by": signer}, "补录接访领导签署意见", "fix_signed"))
        self.voids.append ((self.duplicate (self.rows_of ("contact_visit", "P002")[1]), "录入重复"))

    # -- order, refs, corrections -------------------------------------------------------

    def finish (self):
        roster = [r for r in self.rows if r["sort"] is None]
        dated = sorted ((r for r in self.rows if r["sort"] is not None), key=lambda r: (r["sort"], r["seq"]))
        # number cases, opinions and commitments in the order they were registered
        for key, prefix in (("case", "XF"), ("opinion", "YJ"), ("commitment", "CN")):
            opener = "petition_case" if key == "case" else key
            new = {}
            for r in dated:
                if r["obj"]["kind"] == opener:
                    new[r["obj"][key]] = "%s%d-%03d" % (prefix, YEAR, len (new) + 1)
            for r in dated:
                if key in r["obj"]:
                    r["obj"][key] = new[r["obj"][key]]
        count = {}
        for r in roster + dated:
            k = r["obj"]["kind"]
            count[k] = count.get (k, 0) + 1
            if k == "person":
                r["obj"]["ref"] = "%s-PS-%s" % (self.uid, r["obj"]["person"])
            else:
                r["obj"]["ref"] = "%s-%s-%04d" % (self.uid, KIND_CODE[k], count[k])
        for r, key, target in self.links:
            r["obj"][key] = target["obj"]["ref"]
        extra = []
        for i, (r, changes, note, mark) in enumerate (self.fixes):
            inner = dict (r["obj"])
            inner.update (changes)
            if "note" in inner:              # keep note last, as in every other row
                inner["note"] = inner.pop ("note")
            row = {"obj": {"kind": "correction", "ref": None, "supersedes": r["obj"]["ref"], "event": inner,
                           "note": note},
                   "sort": min (r["sort"] + self.rng.randint (3, 12) * ONE, Y1), "seq": len (self.rows) + i,
                   "undated": True}
            extra.append (row)
            if mark:
                self.marks[mark] = row
                self.marks[mark + "_orig"] = r
        for i, (r, reason) in enumerate (self.voids):
            extra.append ({"obj": {"kind": "void", "ref": None, "supersedes": r["obj"]["ref"], "reason": reason},
                           "sort": min (r["sort"] + self.rng.randint (2, 9) * ONE, Y1),
                           "seq": len (self.rows) + 100 + i, "undated": True})
            self.marks.setdefault ("void", r)
        dated = sorted (dated + extra, key=lambda r: (r["sort"], r["seq"]))
        for r in dated:
            k = r["obj"]["kind"]
            if k in ("correction", "void"):
                count[k] = count.get (k, 0) + 1
                r["obj"]["ref"] = "%s-%s-%04d" % (self.uid, KIND_CODE[k], count[k])
        self.final = roster + dated
        for n, r in enumerate (self.final, 1):
            r["line"] = n
        return [json.dumps (r["obj"], ensure_ascii=False) for r in self.final]


# ---------------------------------------------------------------------------
# The deliberately invalid file

def bad_rows (h002_lines):
    persons = {json.loads (l)["person"]: l for l in h002_lines if json.loads (l)["kind"] == "person"}
    org = [l for l in h002_lines if json.loads (l)["kind"] == "org" and json.loads (l)["org"] == "B03"][0]
    rows = [
        (None, json.loads (persons["P001"])),
        (None, json.loads (persons["P003"])),
        (None, json.loads (persons["P004"])),
        (None, json.loads (org)),
        (None, {"kind": "opinion", "ref": None, "date": "2025-12-30", "opinion": "YJ2025-901",
                "channel": "hotline", "topic": "建议元旦期间增开专家门诊"}),
        ("date 2025-02-30 does not exist",
         {"kind": "reception_day", "ref": None, "date": "2025-02-30", "person": "P001",
          "mode": "fixed_point", "announced": "2025-02-24", "note": "地点：门诊楼一楼群众来访接待室"}),
        ("unknown person P999",
         {"kind": "talk", "ref": None, "date": "2025-12-29", "person": "P999",
          "with": "门诊候诊患者", "with_category": "masses", "form": "random", "mode": "in_person"}),
        ("reception mode \"walk\" is not one of the six modes",
         {"kind": "reception_day", "ref": None, "date": "2025-12-29", "person": "P003",
          "mode": "walk", "announced": "2025-12-24"}),
        ("research trip ends (2025-06-10) before it starts (2025-06-12)",
         {"kind": "research_trip", "ref": None, "date": "2025-06-12", "person": "P003",
          "end": "2025-06-10", "place": "句容市茅山镇卫生院", "stationed": False, "unannounced": False,
          "topic": "医联体双向转诊运行情况"}),
        ("petition case without its required key \"case\"",
         {"kind": "petition_case", "ref": None, "date": "2025-12-29", "person": "P001",
          "group_size": 1, "measures": "核对费用明细并当面解释", "responsible": "财务处", "deadline": "2026-01-13"}),
        ("date 2052-03-10 (typo for 2025-03-10) lies after today, 2026-11-26",
         {"kind": "contact_visit", "ref": None, "date": "2052-03-10", "person": "P003",
          "point": "句容市茅山镇卫生院"}),
        (None, {"kind": "talk", "ref": None, "date": "2025-12-30", "person": "P001",
                "with": "P003", "with_category": "team_member", "form": "individual", "mode": "in_person"}),
    ]
    for n, (_, o) in enumerate (rows, 1):
        if o["ref"] is None:
            o["ref"] = "H002-BAD-%04d" % n
    return rows


# ---------------------------------------------------------------------------
# Checker: the rules of interfaces.md and the brief, then the quotas of rules.md

ID_RE = re.compile (r"^[A-Za-z0-9._-]{1,64}$")
DATE_RE = re.compile (r"^\d{4}-\d{2}-\d{2}$")
ENUMS = {
    "role": ["main_leader", "leader", "org_head", "party_member", "rep_city", "rep_unit", "seconded"],
    "category": ["reserve", "new_recruit"],
    "mode_rd": ["fixed_point", "open", "key_appointment", "thematic", "visit_with_case", "home_return_visit"],
    "with_category": ["team_member", "department", "contact_point", "party_member", "masses"],
    "form": ["individual", "collective", "random"],
    "mode_talk": ["in_person", "phone", "home_visit"],
    "channel_op": ["hearing", "poll", "hotline", "card", "forum", "mailbox", "weibo", "wechat", "web_forum", "other"],
    "type": ["annual", "instant"],
    "grade": ["excellent", "good", "fair", "poor"],
    "method": ["self", "peer", "masses", "leader"],
    "activity": ["studio_reception", "advice", "service", "exchange", "inspection", "committee_meeting", "proposal"],
    "channel_ap": ["letter", "mailbox", "hotline", "weibo", "other"],
    "action": ["coordination", "handover", "visit"],
}
# kind -> {key: (type, required)}; types: id, person, text, date, bool, int, roles, event, or an enum name
S = lambda **kw: kw
SCHEMA = {
    "person": S (person=("id", 1), name=("text", 1), org=("id", 0), roles=("roles", 0), date=("date", 0)),
    "org": S (org=("id", 1), name=("text", 1), head=("person", 0), date=("date", 0)),
    "research_plan": S (date=("date", 1), person=("person", 1)),
    "research_trip": S (date=("date", 1), person=("person", 1), end=("date", 1), place=("text", 0),
                        stationed=("bool", 0), unannounced=("bool", 0), topic=("text", 0)),
    "research_report": S (date=("date", 1), person=("person", 1), title=("text", 1)),
    "work_item": S (date=("date", 1), person=("person", 1), title=("text", 1)),
    "results_exchange": S (date=("date", 1)),
    "contact_point": S (date=("date", 1), person=("person", 1), point=("text", 1), to=("date", 0)),
    "paired_family": S (date=("date", 1), person=("person", 1), family=("text", 1)),
    "contact_visit": S (date=("date", 1), person=("person", 1), point=("text", 1)),
    "practical_deed": S (date=("date", 1), person=("person", 1), beneficiary=("text", 1), title=("text", 1)),
    "secondment": S (date=("date", 1), person=("person", 1), category=("category", 1), host=("text", 1),
                     to=("date", 1), mentor=("text", 0), **{"from": ("date", 1)}),
    "secondment_review": S (date=("date", 1), person=("person", 1), secondment=("id", 0)),
    "secondment_training": S (date=("date", 1), secondment=("id", 1), person=("person", 1)),
    "secondment_liaison": S (date=("date", 1), secondment=("id", 1), person=("person", 1)),
    "appeal": S (date=("date", 1), appeal=("id", 1), channel=("channel_ap", 1), person=("person", 1),
                 answered=("date", 0), about=("person", 0)),
    "case_action": S (date=("date", 1), case=("id", 1), person=("person", 1), action=("action", 1)),
    "rep_studio": S (date=("date", 1), studio=("id", 1), reception_schedule=("text", 1), to=("date", 0),
                     **{"from": ("date", 0)}),
    "activity_day": S (date=("date", 1), org=("id", 1)),
    "reception_day": S (date=("date", 1), person=("person", 1), mode=("mode_rd", 1), announced=("date", 0)),
    "petition_case": S (date=("date", 1), case=("id", 1), person=("person", 1), group_size=("int", 0),
                        measures=("text", 0), responsible=("text", 0), deadline=("date", 0),
                        high_profile=("bool", 0)),
    "petition_closed": S (date=("date", 1), case=("id", 1), signed_by=("person", 0)),
    "talk": S (date=("date", 1), person=("person", 1), with_category=("with_category", 1), form=("form", 0),
               mode=("mode_talk", 0), **{"with": ("text", 1)}),
    "opinion": S (date=("date", 1), opinion=("id", 1), channel=("channel_op", 1), topic=("text", 0)),
    "opinion_assigned": S (date=("date", 1), opinion=("id", 1), department=("text", 1), person=("person", 0),
                           deadline=("date", 1)),
    "opinion_closed": S (date=("date", 1), opinion=("id", 1), adopted=("bool", 0), feedback=("date", 0)),
    "mailbox": S (date=("date", 1), channel=("text", 1)),
    "commitment": S (date=("date", 1), commitment=("id", 1), person=("person", 0), org=("id", 0), type=("type", 1),
                     deadline=("date", 0), published=("text", 0), content=("text", 1)),
    "commitment_fulfilled": S (date=("date", 1), commitment=("id", 1)),
    "commitment_evaluated": S (date=("date", 1), commitment=("id", 1), grade=("grade", 1), method=("method", 1)),
    "rep_activity": S (date=("date", 1), person=("person", 1), activity=("activity", 1)),
    "correction": S (supersedes=("id", 1), event=("event", 1), date=("date", 0)),
    "void": S (supersedes=("id", 1), reason=("text", 1), date=("date", 0)),
}
ROLE_KEYS = {"role": "role", "from": "date", "to": "date", "category": "category", "frontline": "bool",
             "term_from": "date", "term_to": "date"}


def real_date (s):
    if not isinstance (s, str) or not DATE_RE.match (s):
        return None
    try:
        return D (s)
    except ValueError:
        return None


class Checker:
    """Validates the rows of one file in order; errors are (line, field, reason)."""

    def __init__ (self, year=YEAR):
        self.year = year
        self.errors = []
        self.persons, self.orgs, self.refs = set (), set (), {}
        self.cases, self.opinions, self.commitments = set (), set (), set ()
        self.file_orgs = set ()
        self.last_date, self.roster_done = None, False

    def err (self, line, field, reason):
        self.errors.append ((line, field, reason))

    def value (self, line, key, typ, v):
        """Type, enum, id and text checks of one value. Returns False when it is wrong."""
        if typ in ("id", "person"):
            if not isinstance (v, str) or not ID_RE.match (v):
                return self.err (line, key, "not an id (%r)" % (v,)) or False
            if typ == "person" and v not in self.persons:
                return self.err (line, key, "unknown person (%s)" % v) or False
        elif typ == "text":
            if not isinstance (v, str) or not v or len (v.encode ()) > 2000:
                return self.err (line, key, "not a text of 1..2000 bytes") or False
        elif typ == "date":
            if real_date (v) is None:
                return self.err (line, key, "not a date (%s)" % v) or False
        elif typ == "bool":
            if not isinstance (v, bool):
                return self.err (line, key, "not true/false") or False
        elif typ == "int":
            if not isinstance (v, int) or isinstance (v, bool) or v < 1:
                return self.err (line, key, "not an integer >= 1") or False
        elif typ in ENUMS:
            if v not in ENUMS[typ]:
                return self.err (line, key, "unknown value (%s)" % v) or False
        return True

    def event (self, line, obj, inner=False):
        """Checks one event object; returns its kind when valid enough to track, else None."""
        n0 = len (self.errors)
        if not isinstance (obj, dict) or obj.get ("kind") not in SCHEMA:
            self.err (line, "kind", "missing or unknown kind (%s)" % (obj.get ("kind") if isinstance (obj, dict) else obj))
            return None
        kind = obj["kind"]
        schema = SCHEMA[kind]
        if not isinstance (obj.get ("ref"), str) or not ID_RE.match (obj["ref"]):
            self.err (line, "ref", "every demo row has an explicit ref of 1..64 [A-Za-z0-9._-]")
        if "note" in obj:
            self.value (line, "note", "text", obj["note"])
        for k in obj:
            if k not in schema and k not in ("kind", "ref", "note"):
                self.err (line, k, "unknown key")
        for k, (typ, req) in schema.items ():
            if k not in obj:
                if req:
                    self.err (line, k, "required key missing")
                continue
            v = obj[k]
            if typ == "roles":
                self.roles (line, v)
            elif typ == "event":
                self.correction (line, obj)
            else:
                self.value (line, k, typ, v)
        if kind not in ("person", "org", "correction", "void"):
            d = real_date (obj.get ("date"))
            if d and d > TODAY:
                self.err (line, "date", "after today (%s)" % d)
            elif d and self.year and d.year != self.year:
                self.err (line, "date", "outside %d (%s)" % (self.year, d))
            for k in ("end", "to", "deadline", "feedback"):
                e = real_date (obj.get (k))
                if d and e and e < d:
                    self.err (line, k, "before date (%s < %s)" % (e, d))
            a = real_date (obj.get ("announced"))
            if d and a and a > d:
                self.err (line, "announced", "after the reception day")
            if kind == "secondment":
                f, t = real_date (obj.get ("from")), real_date (obj.get ("to"))
                if f and t and t < f:
                    self.err (line, "to", "before from")
            if kind == "commitment" and (("person" in obj) == ("org" in obj)):
                self.err (line, "person", "a commitment has exactly one of person and org")
            if kind == "commitment" and "org" in obj and obj["org"] not in self.orgs:
                self.err (line, "org", "unknown org (%s)" % obj["org"])
            if kind == "talk" and isinstance (obj.get ("with"), str) and re.match (r"^P\d+$", obj["with"]) \
                    and obj["with"] not in self.persons:
                self.err (line, "with", "unknown person (%s)" % obj["with"])
            for k, seen, opener in (("case", self.cases, "petition_case"), ("opinion", self.opinions, "opinion"),
                                    ("commitment", self.commitments, "commitment")):
                if k in obj and kind != opener and obj[k] not in seen and not inner:
                    self.err (line, k, "not opened earlier (%s)" % obj[k])
        if kind == "person" and "org" in obj and obj["org"] not in self.file_orgs:
            self.err (line, "org", "branch not defined in this file (%s)" % obj["org"])
        return kind if len (self.errors) == n0 else None

    def roles (self, line, roles):
        if not isinstance (roles, list) or not roles:
            return self.err (line, "roles", "not a list of roles")
        for r in roles:
            if not isinstance (r, dict) or "role" not in r or "from" not in r:
                self.err (line, "roles", "a role needs role and from")
                continue
            for k, v in r.items ():
                if k not in ROLE_KEYS:
                    self.err (line, "roles", "unknown role key (%s)" % k)
                else:
                    self.value (line, "roles." + k, ROLE_KEYS[k], v)
            for a, b in (("from", "to"), ("term_from", "term_to")):
                if real_date (r.get (a)) and real_date (r.get (b)) and D (r[b]) < D (r[a]):
                    self.err (line, "roles." + b, "before " + a)

    def correction (self, line, obj):
        inner, sup = obj["event"], obj.get ("supersedes")
        if not isinstance (inner, dict):
            return self.err (line, "event", "not an object")
        if sup not in self.refs:
            return self.err (line, "supersedes", "no earlier row has ref %s" % sup)
        if inner.get ("kind") != self.refs[sup] or inner.get ("ref") != sup:
            self.err (line, "event", "must be the same kind with the same ref as %s" % sup)
        self.event (line, inner, inner=True)

    def row (self, line, text):
        try:
            obj = json.loads (text)
        except ValueError as e:
            return self.err (line, "", "not JSON (%s)" % e)
        if not isinstance (obj, dict):
            return self.err (line, "", "not a JSON object")
        kind = self.event (line, obj)
        k = obj.get ("kind")
        if k in ("person", "org") and self.roster_done:
            self.err (line, "kind", "persons and orgs come first")
        if k not in ("person", "org"):
            self.roster_done = True
        d = real_date (obj.get ("date"))
        if d and k not in ("person", "org"):
            if self.last_date and d < self.last_date and self.year:
                self.err (line, "date", "rows out of date order")
            self.last_date = d
        if k == "void" and obj.get ("supersedes") not in self.refs:
            self.err (line, "supersedes", "no earlier row has ref %s" % obj.get ("supersedes"))
        ref = obj.get ("ref")
        if kind is None:
            return
        if ref in self.refs and k != "person":
            self.err (line, "ref", "duplicate ref %s" % ref)
        self.refs[ref] = k
        if k == "person":
            self.persons.add (obj["person"])
        elif k == "org":
            self.orgs.add (obj["org"])
        elif k == "petition_case":
            self.cases.add (obj["case"])
        elif k == "opinion":
            self.opinions.add (obj["opinion"])
        elif k == "commitment":
            self.commitments.add (obj["commitment"])

    def file (self, lines):
        for l in lines:
            try:
                o = json.loads (l)
                if o.get ("kind") == "org":
                    self.file_orgs.add (o.get ("org"))
            except (ValueError, AttributeError):
                pass
        for n, l in enumerate (lines, 1):
            self.row (n, l)
        return self.errors


# -- quotas ------------------------------------------------------------------------------

def effective (lines):
    """The events in force after corrections and voids, in file order."""
    by_ref, order = {}, []
    for l in lines:
        o = json.loads (l)
        if o["kind"] == "correction":
            by_ref[o["supersedes"]] = o["event"]
        elif o["kind"] == "void":
            by_ref.pop (o["supersedes"], None)
        else:
            by_ref[o["ref"]] = o
            order.append (o["ref"])
    return [by_ref[r] for r in order if r in by_ref]


def role_span (person, role):
    for r in person["roles"]:
        if r["role"] == role:
            lo, hi = max (D (r["from"]), Y0), min (D (r.get ("to", "9999-12-31")), Y1)
            if lo <= hi:
                return lo, hi, r
    return None


def quotas (events):
    """(rule, subject, actual, required) for every check; unmet when actual < required.
    This script's own reading of rules.md, to confirm the breaks; not the product's engine."""
    out = []
    persons = {e["person"]: e for e in events if e["kind"] == "person"}
    orgs = {e["org"]: e for e in events if e["kind"] == "org"}
    by = {}
    for e in events:
        by.setdefault (e["kind"], []).append (e)
    ev = lambda k, p=None: [e for e in by.get (k, []) if p is None or e.get ("person") == p]
    q1 = D ("2025-03-31")

    def prorate (q, lo, hi):
        return math.ceil (q * ((hi.year - lo.year) * 12 + hi.month - lo.month + 1) / 12)

    points, families = {}, {}
    for pid, p in persons.items ():
        main, lead = role_span (p, "main_leader"), role_span (p, "leader")
        span = main or lead
        if span:
            lo, hi, _ = span
            plans = [e for e in ev ("research_plan", pid) if D (e["date"]) <= max (q1, lo + 31 * ONE)]
            out.append (("1.3a", pid, len (plans), 1))
            trips = [e for e in ev ("research_trip", pid) if lo <= D (e["date"]) <= hi]
            n = sum ((D (e["end"]) - D (e["date"])).days + 1 for e in trips)
            out.append (("1.3b" if main else "1.3f", pid, n, prorate (60 if main else 30, lo, hi)))
            if main:
                out.append (("1.3c", pid, sum ((D (e["end"]) - D (e["date"])).days + 1 for e in trips
                                               if e.get ("stationed")), 5))
                out.append (("1.3e", pid, len (ev ("work_item", pid)), 1))
            out.append (("1.3d", pid, len (ev ("research_report", pid)), 1))
            cps = ev ("contact_point", pid)
            out.append (("2.1a", pid, len (cps), 1))
            out.append (("2.1b", pid, len (ev ("paired_family", pid)), 1))
            for e in cps:
                points.setdefault (e["point"], set ()).add (pid)
            for e in ev ("paired_family", pid):
                families.setdefault (e["family"], set ()).add (pid)
            out.append (("2.3a", pid, len (ev ("contact_visit", pid)), 2))
            out.append (("2.3b", pid, len (ev ("practical_deed", pid)), 1))
            rds = [D (e["date"]) for e in ev ("reception_day", pid)]
            full = []
            for m in range (1, 13):
                if main:
                    full.append ((datetime.date (YEAR, m, 1), month_end (YEAR, m)))
                else:
                    full += [(datetime.date (YEAR, m, 1), datetime.date (YEAR, m, 15)),
                             (datetime.date (YEAR, m, 16), month_end (YEAR, m))]
            full = [(a, b) for a, b in full if lo <= a and b <= hi]
            got = sum (1 for a, b in full if any (a <= d <= b for d in rds))
            out.append (("4.1a" if main else "4.1b", pid, got, len (full)))
            keys = [e for e in ev ("reception_day", pid) if e["mode"] in ("key_appointment", "visit_with_case")]
            out.append (("4.1c", pid, len (keys), prorate (4, lo, hi)))
            out.append (("5.1a", pid, len (ev ("talk", pid)), prorate (2, lo, hi)))
        for e in ev ("reception_day", pid):
            ok = "announced" in e and D (e["announced"]) < D (e["date"])
            out.append (("4.2a", pid, int (ok), 1))
        if role_span (p, "org_head"):
            oid = [o for o in orgs if orgs[o].get ("head") == pid][0]
            members = [m for m in persons if m != pid and persons[m].get ("org") == oid
                       and role_span (persons[m], "party_member")]
            talks = [e for e in ev ("talk", pid) if e["with_category"] == "party_member"]
            covered = [m for m in members if sum (1 for t in talks if t["with"] == m) >= 2]
            out.append (("5.1b", pid, len (covered), len (members)))
        if role_span (p, "party_member"):
            annual = [e for e in by.get ("commitment", []) if e.get ("person") == pid and e["type"] == "annual"
                      and D (e["date"]) <= q1]
            out.append (("7.1a", pid, len (annual), 1))
        for role, studio_need in (("rep_city", 4), ("rep_unit", 6)):
            s = role_span (p, role)
            if s:
                acts = [e["activity"] for e in ev ("rep_activity", pid)]
                out.append (("8.1a" if role == "rep_city" else "8.1b", pid,
                             sum (1 for a in acts if a in ("studio_reception", "advice", "service", "exchange")),
                             studio_need))
                out.append (("8.2a", pid, acts.count ("inspection"), 1))
                out.append (("8.2b", pid, acts.count ("committee_meeting"), 1))
                if s[2].get ("frontline"):
                    out.append (("8.2c", pid, acts.count ("proposal"), 1))
        s = role_span (p, "seconded")
        if s:
            sec = ev ("secondment", pid)
            out.append (("3.2a", pid, sum (1 for e in sec if e.get ("mentor")), 1))
            for e in sec:
                n = (D (e["to"]) - D (e["from"])).days + 1
                ok = 365 <= n <= 731 if e["category"] == "reserve" else n >= 365
                out.append (("3.1a" if e["category"] == "reserve" else "3.1b", pid, int (ok), 1))
                rev = [r for r in ev ("secondment_review", pid) if D (r["date"]) <= D (e["to"]) + 30 * ONE]
                out.append (("3.2b", pid, len (rev), 1))
    for oid in orgs:
        annual = [e for e in by.get ("commitment", []) if e.get ("org") == oid and e["type"] == "annual"
                  and D (e["date"]) <= q1]
        out.append (("7.1a", oid, len (annual), 1))
    out.append (("1.3g", "unit", len (by.get ("results_exchange", [])), 1))
    out.append (("6.2b", "unit", len (by.get ("mailbox", [])), 1))
    dup = sum (1 for v in list (points.values ()) + list (families.values ()) if len (v) > 1)
    out.append (("w:2.1c", "unit", -dup, 0))
    leading = {p for p in persons if role_span (persons[p], "main_leader") or role_span (persons[p], "leader")}
    closed = {e["case"]: e for e in by.get ("petition_closed", [])}
    for e in by.get ("petition_case", []):
        c = e["case"]
        out.append (("4.3a", c, int (all (k in e for k in ("measures", "responsible", "deadline"))), 1))
        if c in closed:
            out.append (("4.3c", c, int (closed[c].get ("signed_by") == e["person"]), 1))
        else:
            out.append (("4.3b", c, int (D (e["deadline"]) >= Y1), 1))
        if e.get ("group_size", 1) >= 5:
            out.append (("4.3d", c, int (e["person"] in leading), 1))
    assigned = {e["opinion"]: e for e in by.get ("opinion_assigned", [])}
    oclosed = {e["opinion"]: e for e in by.get ("opinion_closed", [])}
    for e in by.get ("opinion", []):
        o = e["opinion"]
        out.append (("6.3a", o, int (o in assigned), 1))
        if o in assigned:
            dl = D (assigned[o]["deadline"])
            ok = D (oclosed[o]["date"]) <= dl if o in oclosed else dl >= Y1
            out.append (("6.3b", o, int (ok), 1))
        if o in oclosed:
            out.append (("6.1", o, int ("feedback" in oclosed[o]), 1))
    done = {e["commitment"]: e for e in by.get ("commitment_fulfilled", [])}
    evald = {e["commitment"] for e in by.get ("commitment_evaluated", [])}
    for e in by.get ("commitment", []):
        c = e["commitment"]
        out.append (("7.2", c, int ("published" in e), 1))
        ok = D (done[c]["date"]) <= D (e["deadline"]) if c in done else D (e["deadline"]) >= Y1
        out.append (("7.3", c, int (ok), 1))
        if e["type"] == "annual":
            out.append (("7.4", c, int (c in evald), 1))
    return out


def unmet (events):
    """{(rule, subject)} of the failed checks, with rows merged per rule and person."""
    res = {}
    for rule, subj, actual, req in quotas (events):
        if actual < req:
            res[(rule, subj)] = (actual, req)
    return res


# ---------------------------------------------------------------------------
# Main

def read (name):
    with open (os.path.join (HERE, name), encoding="utf-8") as f:
        return f.read ().splitlines ()


def check ():
    ok = True
    kinds = list (KIND_CODE)
    counts = {}
    for u in UNITS:
        uid = u["unit"]
        lines = read (uid + ".jsonl")
        errs = Checker ().file (lines)
        for e in errs[:20]:
            print ("%s.jsonl:%d: field '%s': %s" % (uid, *e))
        ok &= not errs
        counts[uid] = {k: 0 for k in kinds}
        for l in lines:
            counts[uid][json.loads (l)["kind"]] += 1
        missing = [k for k in kinds if not counts[uid][k]]
        want_missing = ["results_exchange"] if uid == "H003" else []
        if missing != want_missing:
            print ("%s: kinds missing: %s (expected %s)" % (uid, missing, want_missing))
            ok = False
        if errs:                         # the quotas need valid rows
            continue
        found = unmet (effective (lines))
        got = {(r, s if not re.match (r"^(YJ|XF|CN)\d", s) else re.sub (r"\d{3}$", "%03d", s)) for r, s in found}
        if got != EXPECTED[uid] or len (got) != len (found):
            print ("%s: unmet differs from EXPECTED:\n  found %s\n  expected %s" % (uid, sorted (found.items ()),
                                                                                   sorted (EXPECTED[uid])))
            ok = False
        print ("%s: %d rows, valid=%s; deliberately unmet: %s" % (uid, len (lines), not errs,
               ", ".join ("%s %s (%s/%s)" % (r, s, a, q) for (r, s), (a, q) in sorted (found.items ()))))
    # the bad file: exactly the planned rows fail, each for one reason
    lines = read ("H002-bad.jsonl")
    errs = Checker (year=None).file (lines)
    want = [n for n, (why, _) in enumerate (bad_rows (read ("H002.jsonl")), 1) if why]
    lines_failed = [e[0] for e in errs]
    for e in errs:
        print ("H002-bad.jsonl:%d: field '%s': %s" % e)
    if sorted (lines_failed) != want:
        print ("H002-bad.jsonl: failing lines %s, expected exactly one error on each of %s" % (lines_failed, want))
        ok = False
    # per-unit counts per kind
    print ("\n%-22s %6s %6s %6s" % ("kind", *[u["unit"] for u in UNITS]))
    for k in kinds:
        print ("%-22s %6d %6d %6d" % (k, *[counts[u["unit"]][k] for u in UNITS]))
    print ("%-22s %6d %6d %6d" % ("total", *[sum (counts[u["unit"]].values ()) for u in UNITS]))
    print ("check: %s" % ("OK" if ok else "FAILED"))
    return ok


def readme (ledgers, bad):
    L = {l.uid: l for l in ledgers}
    line = lambda uid, mark: L[uid].marks[mark]["line"]
    obj = lambda uid, mark: L[uid].marks[mark]["obj"]
    out = []
    w = out.append
    w ("# Demo data: a year (2025) of three units' ledgers\n")
    w ("Made by `generate.py` (Python 3 standard library, `random.Random(2025)`, deterministic). "
       "Regenerate and check with `python3 generate.py`; check only with `python3 generate.py --check` "
       "(validates every row, prints per-unit counts per kind, and recomputes the quotas to confirm "
       "that exactly the breaks below are unmet). Do not edit the files by hand: edit the script.\n")
    w ("| file | unit | persons | rows |\n|---|---|---|---|")
    for l in ledgers:
        w ("| `%s.jsonl` | %s %s | %d | %d |" % (l.uid, l.uid, l.cfg["name"], len (l.cfg["persons"]), len (l.final)))
    w ("\nEach file: persons (with roles: main leaders, leaders, branch secretaries, party members, a city and a "
       "unit party representative with term and front-line flag, one seconded cadre), then branches (`org`), "
       "then a year of all %d event kinds in date order (H003 has no `results_exchange`, on purpose), every row "
       "with an explicit `ref` (`H001-RD-0001`; persons `H001-PS-P001`). Corrections and voids sit where they "
       "were entered, after the row they supersede. Import each file into its own unit's agent. All names are "
       "invented; petitions and opinions carry categories and ids, never a petitioner's name.\n" % len (KIND_CODE))
    w ("Rules v2 rows (drawn from their own seeded generator, so the v1 rows did not move): every assigned opinion "
       "names the leading cadre who claims it (6.3c); each secondment names its term in its special training "
       "(3.2d), its two liaisons of the sending unit (3.2e) and its review; every commitment, instant ones too, is "
       "evaluated (7.4); appeals by letter, mailbox, hotline and weibo answered in time (4.2c); the year's first "
       "group petition is flagged `high_profile` and coordinated by the main leader (`case_action`, 4.3e); the "
       "representatives' studio with its fixed reception day (`rep_studio`, 8.1c); a unified activity day a "
       "month per branch (`activity_day`, 7.0). Practical deeds are for the cadre's own contact point or paired "
       "family (2.3b, V9).\n")
    w ("## Deliberate breaks (what the reports should flag)\n")
    w ("Line numbers are lines of the unit's file.\n")
    h1 = L["H001"]
    w ("H001:\n")
    w ("- 1.3b: P002 沈立新 (main leader) has 52 research days, under 60. Line %d records a trip as %s..%s (3 days); "
       "the correction on line %d cuts it to one day (54 -> 52): a report that ignores corrections shows 54."
       % (line ("H001", "fix_trip_orig"), obj ("H001", "fix_trip_orig")["date"], obj ("H001", "fix_trip_orig")["end"],
          line ("H001", "fix_trip")))
    w ("- 4.1b: P004 陈志刚 (leader) has no reception day in 2025-03-16..31 (23 of 24 half months).")
    w ("- 4.2a: P003 王海燕's reception day on line %d has no `announced` date." % line ("H001", "unannounced_reception"))
    w ("- 6.3b: opinion %s closed on line %d after its deadline." % (obj ("H001", "opinion_late")["opinion"],
                                                                      line ("H001", "opinion_late")))
    w ("- 4.3c: petition %s closed on line %d without `signed_by`." % (obj ("H001", "petition_unsigned")["case"],
                                                                       line ("H001", "petition_unsigned")))
    w ("- 7.3: P013 韩明's annual commitment %s (line %d) is never fulfilled (evaluated `poor`)."
       % (obj ("H001", "unfulfilled")["commitment"], line ("H001", "unfulfilled")))
    w ("- Not a break: P006 孙晓东 is a leader from 2025-07-01 only; his quotas are pro-rated (research 1.3f: %d days "
       "against 15; reception 4.1b: the 12 half months July-December)."
       % sum ((D (r["obj"]["end"]) - D (r["obj"]["date"])).days + 1 for r in h1.rows_of ("research_trip", "P006")))
    w ("\nH002:\n")
    w ("- 1.3a: P003 赵卫国's research plan is dated 2025-04-15 (line %d), after Q1." % line ("H002", "late_plan"))
    w ("- 4.1c: P005 丁浩 has only 3 key appointments / visits with case (4 required).")
    w ("- 2.1c (warning): P004 徐红 and P005 丁浩 share the contact point %s (line %d)."
       % (obj ("H002", "shared_contact_point")["point"], line ("H002", "shared_contact_point")))
    w ("- 6.3a: opinion %s (line %d) is never assigned." % (obj ("H002", "opinion_unassigned")["opinion"],
                                                           line ("H002", "opinion_unassigned")))
    w ("- 6.3b: opinion %s, assigned on line %d with deadline %s, is never closed (overdue)."
       % (obj ("H002", "opinion_open")["opinion"], line ("H002", "opinion_open"), obj ("H002", "opinion_open")["deadline"]))
    w ("- 4.3c: petition %s, received by P005, is signed by P002 (line %d), not by the receiving leader."
       % (obj ("H002", "petition_wrong_signer")["case"], line ("H002", "petition_wrong_signer")))
    w ("- 4.3d: group petition %s (12 people, line %d) is received by P008 戴伟, a branch secretary, not a leading cadre."
       % (obj ("H002", "group_by_org_head")["case"], line ("H002", "group_by_org_head")))
    w ("- 7.1a: P012 冯秀英's annual commitment is made on 2025-04-08 (line %d), after Q1." % line ("H002", "late_annual"))
    w ("- 5.1b: branch secretary P008 戴伟 talks only once with member P013 (line %d); every other member twice or more."
       % line ("H002", "org_head_short"))
    w ("- 4.2c: appeal %s (line %d) is answered on %s, 75 days after it came in (60 allowed)."
       % (obj ("H002", "appeal_late")["appeal"], line ("H002", "appeal_late"), obj ("H002", "appeal_late")["answered"]))
    w ("- Not a break: P006 潘永康 is a leader until 2025-09-30 (pro-rated: research 1.3f against 23 days, 18 half months).")
    w ("\nH003:\n")
    w ("- 1.3g: no `results_exchange` at all.")
    w ("- 4.1a: P001 吕志明 (the only main leader) has no reception day in 2025-08 (11 of 12 months).")
    w ("- 1.3d: P004 邹建平 writes no research report.")
    w ("- 3.2a: P009 范晓婷's secondment (line %d) has no mentor." % line ("H003", "no_mentor"))
    w ("- 8.1b: unit representative P008 严俊杰 has only 4 studio activities (6 required).")
    w ("- 6.1: opinion %s closed on line %d without a feedback date." % (obj ("H003", "opinion_no_feedback")["opinion"],
                                                                        line ("H003", "opinion_no_feedback")))
    w ("- 7.3: instant commitment %s (line %d) is fulfilled after its deadline %s."
       % (obj ("H003", "instant_late")["commitment"], line ("H003", "instant_late"), obj ("H003", "instant_late")["deadline"]))
    w ("- 4.3b: petition %s (line %d) is still open past its deadline %s."
       % (obj ("H003", "petition_open")["case"], line ("H003", "petition_open"), obj ("H003", "petition_open")["deadline"]))
    w ("- Not a break: petition reply on line %d lacks `signed_by`; the correction on line %d adds it (4.3c met)."
       % (line ("H003", "fix_signed_orig"), line ("H003", "fix_signed")))
    w ("\nCorrections and voids in every file (kinds `correction`, `void`): see the rows whose ref has `-CR-` or `-VD-`; "
       "each void removes a row entered twice (reason 录入重复).\n")
    w ("## `H002-bad.jsonl`: rows that must be rejected\n")
    w ("Import it into H002's agent: the import fails and records nothing of the file (all or nothing), "
       "including its valid rows. Lines 1-4 repeat H002's persons P001, P003, P004 and branch B03 unchanged "
       "(same ref, same content: duplicates, no change) so the file stands alone; lines 5 and 12 are valid. "
       "Each of these lines alone makes the file fail (exactly one fault per line):\n")
    for n, (why, _) in enumerate (bad, 1):
        if why:
            w ("- line %d: %s" % (n, why))
    w ("\nThe demo runs with today = 2026-11-26; line 11's 2052 date stays in the future whenever the demo is run.")
    return "\n".join (out) + "\n"


def generate ():
    rng = random.Random (2025)
    ledgers = []
    for cfg in UNITS:
        led = Ledger (cfg, rng)
        led.build ()
        lines = led.finish ()
        with open (os.path.join (HERE, cfg["unit"] + ".jsonl"), "w", encoding="utf-8") as f:
            f.write ("\n".join (lines) + "\n")
        ledgers.append (led)
    bad = bad_rows (read ("H002.jsonl"))
    with open (os.path.join (HERE, "H002-bad.jsonl"), "w", encoding="utf-8") as f:
        f.write ("".join (json.dumps (o, ensure_ascii=False) + "\n" for _, o in bad))
    with open (os.path.join (HERE, "README.md"), "w", encoding="utf-8") as f:
        f.write (readme (ledgers, bad))


if __name__ == "__main__":
    if sys.argv[1:] not in ([], ["--check"]):
        sys.exit ("usage: generate.py [--check]")
    if not sys.argv[1:]:
        generate ()
    sys.exit (0 if check () else 1)
