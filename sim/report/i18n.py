"""Report labels in English and Chinese. Measure definitions in English come from
`sim.measures.MEASURES`; the Chinese ones are kept here, next to their names."""

from __future__ import annotations

from ..measures import MEASURES

UI = {
    "en": {
        "title": "govsim report",
        "subtitle": "Which reform model does what, how sure we are, and at what cost",
        "summary": "Summary: final month, mean and 95% interval over runs",
        "summary_note": "Mean ± half-width of the 95% interval; n = runs. ★ marks, per measure with a direction, "
        "the variant with the largest improvement over its own reference (see “Effect”), if that improvement's "
        "interval excludes 0, it does not print as 0 in the effects table and it is at least {pct} of the reference's "
        "value (no star for a negligible change); variants that pass the same tests and whose interval overlaps "
        "the best one's are starred too. References "
        "(the baseline, *_before, other reform-free scenarios) get no star. Measures that grow with the "
        "government's size (counts, 万元) are compared only among variants with the baseline's government.",
        "all_measures": "All measures",
        "effects": "Effect versus the reference",
        "effects_note": "Difference variant − reference in the final month, with its 95% interval; runs are paired "
        "by seed where possible. The reference is the baseline, or a reform-free scenario of the same government "
        "(guangdong_before for guangdong, else e.g. provincial); reform-free scenarios of another size are "
        "references themselves and have no row. Green: better, red: worse (interval excludes 0); ★ as in the "
        "summary.",
        "timeseries": "Time series",
        "timeseries_note": "Mean over runs with its 95% band; click legend entries to show or hide variants.",
        "tradeoffs": "Trade-offs",
        "tradeoffs_note": "One point per variant: its change versus its own reference (the baseline, or for a "
        "provincial model its reform-free run such as guangdong_before), with 95% intervals. The reference is "
        "the cross at (0, 0); right and up is better on every chart. Hover a point for its values.",
        "contributions": "Single reforms next to the provincial models",
        "contributions_note": "Effect on each measure versus each variant's own reference: single reforms versus "
        "the baseline, provincial models versus their reform-free run (e.g. guangdong_before) when present, as "
        "named in brackets. Shares and per-request measures only, so different government sizes compare.",
        "sensitivity": "Sensitivity",
        "toggles": "What each scenario changes",
        "toggles_note": "Each reform switched on, with the month it starts and its settings that differ from the "
        "defaults in the baseline preset (scenarios/baseline.toml; hover a reform for all its settings); then "
        "the government, agent and simulation parameters that differ from the scenario's reference (the baseline "
        "for references themselves), and reforms the reference has on but the scenario has off.",
        "provenance": "Provenance",
        "definitions": "Measures",
        "notes": "Notes",
        "scenario": "scenario",
        "variant": "variant",
        "measure": "measure",
        "unit": "unit",
        "definition": "definition",
        "reforms_on": "reforms on: start month; settings ≠ baseline preset",
        "changes": "other parameters ≠ reference",
        "from_month": "from month {m}",
        "default_settings": "preset defaults",
        "switched_off": "off (on in the reference)",
        "none": "none",
        "levers": "levers (varied within a scenario)",
        "no_base_spec": "– (no scenario '{b}' to compare with)",
        "silo_reduction": "silo reduction (reference − variant)",
        "dup_saved": "duplicated share saved (reference − variant)",
        "markup_cut": "operator markup cut (reference − variant)",
        "control_gain": "government control gain (variant − reference)",
        "reference": "reference (0, 0)",
        "at_reference": "{n} at the reference (intervals include 0), not labelled",
        "unlabelled": "{n} more not labelled (no room)",
        "hover_names": "hover for names",
        "group_provincial": "provincial models",
        "group_bureau": "data-bureau types",
        "group_single": "single reforms",
        "group_other": "other scenarios",
        "month": "month",
        "vs": "vs",
        "no_baseline": "No runs of the baseline scenario '{b}' in these results (scenarios: {s}): effects, "
        "trade-offs and contributions are not shown. Pass --baseline with one of those scenarios.",
        "baseline_failed": "Every run of the baseline scenario '{b}' failed: effects, trade-offs and contributions "
        "are not shown.",
        "no_reference": "No successful run of the reference for {v}: no effect shown for them.",
        "failed": "{n} run(s) failed and are left out: {detail}.",
        "failed_item": "{s}: {k} run(s) (ids {ids}): {err}",
        "single": "Variant(s) with a single run, shown without an interval: {v}.",
        "no_runs": "Variant(s) with no successful run: {v}.",
        "sens_title_morris": "Morris elementary effects: mean |effect| μ* per parameter with its 95% interval; overlapping intervals are ties, not an order",
        "sens_title_sobol": "Sobol indices: total effect ST per parameter with its 95% interval; overlapping intervals are ties, not an order",
        "model_version": "govsim version (report)",
        "sweep_version": "govsim version (sweep)",
        "experiment": "experiment",
        "source": "experiment file",
        "fingerprint": "fingerprint",
        "created": "sweep started",
        "generated": "report generated",
        "seeds": "seeds",
        "steps": "months",
        "n_runs": "runs (ok / failed)",
        "baseline": "baseline",
        "results": "results folder",
        "unresolved": "could not read this scenario file",
        "versus": "versus",
        "size_mismatch": "{v}: compared with '{b}', whose government has another size, because no reform-free "
        "run of the same government is in these results; spending and counts are not comparable (add "
        "{suggest} to the sweep).",
        "method_paired": "paired by seed",
        "method_welch": "Welch interval (unpaired)",
        "method_single": "single run, no interval",
        "method_t": "Student t",
        "scroll_hint": "More columns to the right: scroll the table sideways →",
        "unread": "Could not read the scenario file of {v}: what it changes, and whether its government has the "
        "baseline's size, are unknown; its effects are measured against the baseline.",
    },
    "zh": {
        "title": "govsim 报告",
        "subtitle": "哪种改革模式带来什么效果、把握有多大、代价是什么",
        "summary": "概览：最后一个月的均值及 95% 置信区间",
        "summary_note": "均值 ± 95% 置信区间半宽；n 为运行次数。★ 标出在有优劣方向的指标上、相对各自对照改善最大的方案"
        "（见“效果”），条件是其改善的区间不含 0、在效果表的精度下不显示为 0，且不小于对照数值的 {pct}（变化可忽略则不标）；"
        "同样满足这些条件且区间与之重叠的方案也标 ★。对照情景（基线、*_before 及其他未开启改革的情景）"
        "不参与评比。随政府规模增长的指标（数量、万元）只在与基线政府规模相同的方案之间比较。",
        "all_measures": "全部指标",
        "effects": "相对对照的效果",
        "effects_note": "最后一个月 方案 − 对照 的差值及其 95% 置信区间；尽量按随机种子配对。对照为基线，或相同政府规模、"
        "未开启改革的情景（广东对照 guangdong_before，否则如 provincial）；其他规模的无改革情景本身即为对照，不单列。"
        "绿色为改善，红色为变差（区间不含 0）；★ 含义同概览。",
        "timeseries": "时间序列",
        "timeseries_note": "各次运行的均值及 95% 区间带；点击图例可显示或隐藏方案。",
        "tradeoffs": "权衡",
        "tradeoffs_note": "每个方案一个点：相对其自身对照（基线；省级模式为其未开启改革的情景，如 guangdong_before）的变化，"
        "附 95% 区间。对照为 (0, 0) 处的叉号；各图均为越靠右上越好。鼠标悬停可查看数值。",
        "contributions": "单项改革与省级模式对比",
        "contributions_note": "各指标相对各自对照的效果：单项改革相对基线，省级模式相对其未开启改革的情景（如 "
        "guangdong_before，若有），对照见括号。仅列比例和按件计的指标，不同规模的政府可以比较。",
        "sensitivity": "敏感性分析",
        "toggles": "各情景的设置",
        "toggles_note": "每项开启的改革，附其起始月份及与基线预设（scenarios/baseline.toml）默认值不同的设置（悬停可查看全部设置）；"
        "其后为与该情景对照不同的政府、主体和模拟参数（对照情景本身与基线比较），以及对照开启而该情景关闭的改革。",
        "provenance": "来源信息",
        "definitions": "指标说明",
        "notes": "说明",
        "scenario": "情景",
        "variant": "方案",
        "measure": "指标",
        "unit": "单位",
        "definition": "定义",
        "reforms_on": "开启的改革：起始月；与基线预设不同的设置",
        "changes": "与对照不同的其他参数",
        "from_month": "第 {m} 月起",
        "default_settings": "预设默认值",
        "switched_off": "关闭（对照中开启）",
        "none": "无",
        "levers": "政策杠杆（同一情景内变化的参数）",
        "no_base_spec": "–（没有可比较的情景“{b}”）",
        "silo_reduction": "孤岛指数下降（对照 − 方案）",
        "dup_saved": "重复投入占比下降（对照 − 方案）",
        "markup_cut": "运维加价率下降（对照 − 方案）",
        "control_gain": "政府掌控度提高（方案 − 对照）",
        "reference": "对照 (0, 0)",
        "at_reference": "{n} 个与对照无差异（区间含 0），未标注",
        "unlabelled": "另有 {n} 个因空间不足未标注",
        "hover_names": "悬停查看名称",
        "group_provincial": "省级模式",
        "group_bureau": "数据局类型",
        "group_single": "单项改革",
        "group_other": "其他情景",
        "month": "月",
        "vs": "对照",
        "no_baseline": "结果中没有基线情景“{b}”的运行（现有情景：{s}）：不显示效果、权衡和单项改革对比。"
        "请用 --baseline 指定其中一个情景。",
        "baseline_failed": "基线情景“{b}”的运行全部失败：不显示效果、权衡和单项改革对比。",
        "no_reference": "{v} 的对照没有成功的运行：不显示其效果。",
        "failed": "{n} 次运行失败，已剔除：{detail}。",
        "failed_item": "{s}：{k} 次（编号 {ids}）：{err}",
        "single": "只有一次运行的方案（无置信区间）：{v}。",
        "no_runs": "没有成功运行的方案：{v}。",
        "sens_title_morris": "Morris 基本效应：各参数的平均绝对效应 μ* 及其 95% 区间；区间重叠者视为并列，不分先后",
        "sens_title_sobol": "Sobol 指数：各参数的总效应 ST 及其 95% 区间；区间重叠者视为并列，不分先后",
        "model_version": "govsim 版本（报告）",
        "sweep_version": "govsim 版本（批量运行）",
        "experiment": "实验",
        "source": "实验文件",
        "fingerprint": "指纹",
        "created": "批量运行开始",
        "generated": "报告生成",
        "seeds": "随机种子",
        "steps": "月数",
        "n_runs": "运行次数（成功 / 失败）",
        "baseline": "基线",
        "results": "结果目录",
        "unresolved": "无法读取该情景文件",
        "versus": "对照",
        "size_mismatch": "{v}：与“{b}”对比，但两者政府规模不同，因为结果中没有相同政府、未开启改革的情景；"
        "支出和数量类指标不可比（请在批量运行中加入 {suggest}）。",
        "method_paired": "按随机种子配对",
        "method_welch": "Welch 区间（未配对）",
        "method_single": "单次运行，无区间",
        "method_t": "t 分布",
        "scroll_hint": "右侧还有更多列：可左右滚动表格 →",
        "unread": "无法读取 {v} 的情景文件：其设置以及政府规模是否与基线相同均未知；其效果相对基线计算。",
    },
}

# English display names where the key alone reads badly; every measure has one so the
# coverage test catches a new measure without labels.
MEASURE_EN = {
    "silo_index": "silo index",
    "information_islands": "information islands",
    "shared_links": "shared links",
    "vertical_links": "vertical links",
    "total_it_spending": "total IT spending",
    "duplicated_spending": "duplicated spending",
    "duplicated_share": "duplicated share",
    "trips_per_service": "trips per service",
    "one_trip_rate": "one-trip rate",
    "online_rate": "online rate",
    "user_rating": "user rating",
    "inhouse_it_units": "in-house IT units",
    "inhouse_it_staff": "in-house IT staff",
    "approval_backlog": "approval backlog",
    "mean_approval_delay": "mean approval delay",
    "mean_delivery_time": "mean delivery time",
    "operator_share": "operator share",
    "operator_markup": "operator markup",
    "supply_hhi": "supply HHI",
    "government_control": "government control",
    "control_decision_rights": "control: decision rights",
    "control_ownership": "control: code and data ownership",
    "control_contracts": "control: contract terms",
    "control_capacity": "control: capacity to take back",
    "control_audit": "control: audit information",
    "data_monopoly": "data monopoly",
    "mobile_apps": "mobile apps",
    "reflux_links": "links served from returned data",
    "data_developers": "data developers",
    "county_gap": "county gap",
    "upper_level_data_share": "upper-level data share",
    "rejected_duplicates": "rejected duplicates",
    "open_agencies": "open agencies",
    "county_data_reach": "county data reach",
    "cumulative_it_spending": "cumulative IT spending",
    "spending_per_request": "spending per request",
    "transfers_received": "equalisation transfers received",
    "duplicate_infrastructure": "duplicated machine rooms",
    "duplicate_support": "duplicated support systems",
    "duplicate_data": "duplicated data systems",
    "moved_staff_wages": "wages of IT staff moved to other posts",
}

MEASURE_ZH = {
    "silo_index": (
        "信息孤岛指数",
        "比例 0-1",
        "按需求加权、本月未被满足的数据需求链接（服务申请 × 所需数据集）所占比例。",
    ),
    "information_islands": (
        "信息孤岛数",
        "个",
        "在相互需要数据的部门之间，已共享链接构成的图的连通分量数（没有任何共享链接的部门自成一岛）。",
    ),
    "shared_links": ("共享链接数", "条", "本月得到满足的需求方—提供方数据链接数。"),
    "vertical_links": (
        "条线（纵向）链接数",
        "条",
        "本月得到满足、且提供方在另一级政府的数据链接数（条：垂直管理条线存于上级的数据）。",
    ),
    "total_it_spending": (
        "信息化总支出",
        "万元/月",
        "本月信息化支出：建设、运维（人员工资和供应商费用）、共享链接、平台、数据局及各类项目。",
    ),
    "duplicated_spending": (
        "重复投入",
        "万元/月",
        "本月用于本可复用之能力的支出：在平台层、政府统一应用或同级政府中兼容部门（同类能力、可服务其用户的条线、其主管部门愿意共享，运行中的系统还须有承载余量）的已建系统可用时启动的项目，以及此类系统的运行费用。",
    ),
    "duplicated_share": ("重复投入占比", "比例 0-1", "重复投入 / 信息化总支出。"),
    "trips_per_service": (
        "每件事跑动次数",
        "次/件",
        "申请人平均跑动次数：全程网办为 0；否则到受理部门 1 次，另加每个缺失数据 1 次；有综合窗口代办时为 1 次。",
    ),
    "one_trip_rate": ("最多跑一次比例", "比例 0-1", "最多跑一次即办结的申请所占比例。"),
    "online_rate": ("全程网办率", "比例 0-1", "全程网上办结的申请所占比例。"),
    "user_rating": ("好差评得分", "星 1-5", "好差评平均分：网办 5 星，跑一次 4 星，每多跑一次少 1 星（最低 1 星）。"),
    "inhouse_it_units": ("部门信息化机构数", "个", "设有内设信息化机构（人员 > 0）的部门数。"),
    "inhouse_it_staff": ("部门信息化人员", "人", "各部门内设信息化机构的人员总数。"),
    "approval_backlog": ("待审项目", "个", "月末等待审批的信息化项目数。"),
    "mean_approval_delay": (
        "平均审批等待",
        "月",
        "本月已审批及仍在等待的项目自申报以来的平均月数（无统一审批时为 0）。",
    ),
    "mean_delivery_time": (
        "项目平均交付时间",
        "月",
        "近 12 个月上线的项目从申报到系统上线的平均月数：审批等待加建设时间（尚无项目上线时为 0）。",
    ),
    "operator_share": ("运营公司份额", "比例 0-1", "由运营公司运维的在运系统（含平台层）所占比例。"),
    "operator_markup": (
        "运维加价率",
        "成本比例",
        "外包运维（供应商和运营公司）相对成本的加价，按各自运维的系统数加权。",
    ),
    "supply_hhi": (
        "供给集中度 HHI",
        "0-1",
        "各市场中信息化运维收入在供给方（各部门内设机构、供应商、运营公司、数据局自营平台）之间的赫芬达尔指数，按收入加权平均。",
    ),
    "government_control": (
        "政府掌控度",
        "指数 0-1",
        "五个掌控维度（决策权、代码与数据产权、合同条款、收回运维能力、审计信息）的等权平均。",
    ),
    "control_decision_rights": (
        "掌控度：决策权",
        "比例 0-1",
        "在运系统中：一半看政府对建设决策审查的程度（部门信息化机构按其技能；审批机构按其审批能力与待审项目之比；两者皆无计 0），一半看由政府一方（部门信息化机构或技术保障机构）编制需求的技能（由供应商编制计 0）。",
    ),
    "control_ownership": ("掌控度：产权", "比例 0-1", "代码和数据产权归政府所有的在运系统所占比例。"),
    "control_contracts": (
        "掌控度：合同条款",
        "比例 0-1",
        "在运系统中：政府人员运维计 1；否则为一年服务费 /（一年服务费 + 更换运维方的成本：有产权则迁移，无产权则重建），合同剩余期超过一年时再乘以 12 / 剩余月数。",
    ),
    "control_capacity": (
        "掌控度：收回运维能力",
        "比例 0-1",
        "供应商运维的系统中，政府人员（部门富余能力、数据局技术人员、技术保障机构）按政府计可以收回运维的比例（无外包时为 1）。",
    ),
    "control_audit": (
        "掌控度：审计信息",
        "比例 0-1",
        "政府直接掌握情况的在运系统所占比例：由政府人员运维，或近 12 个月内经过审计或交付验收。",
    ),
    "data_monopoly": (
        "数据垄断指数",
        "比例 0-1",
        "单一供给方对本市场公共数据的最大独占程度（运营公司的数据掌控；供应商托管而未开放的份额），按数据量加权。",
    ),
    "mobile_apps": ("政务 App 数", "个", "在运的部门移动应用加上整合后的政府统一应用数。"),
    "reflux_links": ("回流数据服务链接数", "条", "本月由本地回流的现行数据副本满足的垂直管理条线所需链接数。"),
    "data_developers": ("数据开发利用企业数", "家", "利用开放公共数据提供数据服务的第三方开发者数（各市场合计）。"),
    "county_gap": ("县域差距", "基尼系数 0-1", "最底层政府之间数据可达性（所需链接被满足的比例）的基尼系数。"),
    "upper_level_data_share": (
        "上层数据占比",
        "比例 0-1",
        "底层以上各级持有的数据占全部数据的比例：上级政府自身数据，加上垂直管理条线未回流的基层数据。",
    ),
    "rejected_duplicates": ("驳回重复项目", "个", "本月因重复建设被驳回的项目数。"),
    "open_agencies": ("开放部门比例", "比例 0-1", "对数据共享持开放立场的部门所占比例。"),
    "county_data_reach": ("县级数据可达性", "比例 0-1", "按需求加权、最底层政府所需数据链接被满足的比例。"),
    "cumulative_it_spending": ("累计信息化支出", "万元", "截至本月的信息化支出合计。"),
    "spending_per_request": ("每件申请支出", "万元/件", "信息化总支出 / 本月申请件数。"),
    "transfers_received": (
        "均衡性转移支付",
        "万元/月",
        "本月信息化拨款中来自上级的均衡性转移支付（模型外由上级财政负担），已计入各部门预算。",
    ),
    "duplicate_infrastructure": ("重复机房占比", "比例 0-1", "本月在运行的机房中被审计认定为重复建设的比例。"),
    "duplicate_support": (
        "重复支撑系统占比",
        "比例 0-1",
        "本月在运行的公共支撑系统（身份认证、电子证照、支付）中被认定为重复建设的比例。",
    ),
    "duplicate_data": ("重复数据系统占比", "比例 0-1", "本月在运行的数据系统中被认定为重复建设的比例。"),
    "moved_staff_wages": (
        "转岗人员工资",
        "万元/月",
        "撤销信息化机构后转到其他岗位的原信息化人员工资（仍在财政供养，不计入信息化支出）。",
    ),
}


def t(lang: str, key: str, **kw) -> str:
    return UI[lang][key].format(**kw)


def method_name(lang: str, method: str) -> str:
    """How an interval was computed, in the report's language."""
    key = {"paired by seed": "method_paired", "Welch": "method_welch", "single run": "method_single", "t": "method_t"}
    return t(lang, key[method]) if method in key else method


def measure_name(lang: str, m: str) -> str:
    table = MEASURE_ZH if lang == "zh" else {k: (v,) for k, v in MEASURE_EN.items()}
    return table[m][0] if m in table else m.replace("_", " ")  # a measure newer than these labels


def measure_unit(lang: str, m: str) -> str:
    if lang == "zh" and m in MEASURE_ZH:
        return MEASURE_ZH[m][1]
    return MEASURES[m].unit if m in MEASURES else ""


def measure_definition(lang: str, m: str) -> str:
    if lang == "zh" and m in MEASURE_ZH:
        return MEASURE_ZH[m][2]
    return MEASURES[m].definition if m in MEASURES else ""


# ---------------------------------------------------------------- verdict and package vs structure
# (kept together, apart from the labels above: sim/report/verdict.py and decompose.py use them)
UI["en"].update(
    {
        "verdict": "Verdict",
        "verdict_note": "Written from these results: the reform packages on one common government, paired by seed. "
        "“Leads” means the 95% interval of the difference with the runner-up excludes 0; otherwise the two are tied.",
        "verdict_intro": "On one common government ({s}), the reform packages {p}:",
        "verdict_lead": "{m}: {p} leads ({a} against {q}'s {b}; difference {d}, 95% interval {ci}; ahead in {k} of {n} "
        "seeds).",
        "verdict_tie": "{m}: {p} and {q} are tied ({a} and {b}; difference {d}, 95% interval {ci} includes 0; {p} ahead "
        "in {k} of {n} seeds).",
        "verdict_same": "{m}: no difference between the packages ({a} in every seed).",
        "verdict_item": "{m} ({k}/{n} seeds)",
        "verdict_package": "{p} leads on {items}.",
        "verdict_package_none": "{p} leads on no headline measure.",
        "verdict_ties": "Tied (interval includes 0): {items}.",
        "verdict_tie_item": "{m} ({p} ≈ {q})",
        "verdict_no_difference": "No difference between the packages: {items}.",
        "verdict_details": "Each measure: leader, runner-up, difference with its interval, package versus government",
        "verdict_cost": " IT spending: {c} 万元/month ({pct}) against the same government without reforms ({sure}).",
        "verdict_sure": "interval excludes 0",
        "verdict_unsure": "interval includes 0",
        "verdict_decomposition": "Across {ns} governments, the package explains {pk} of the variation between "
        "cells, the government {st}, their interaction {ia}.",
        "decomposition": "Package versus government",
        "decomposition_note": "Reform packages crossed with governments (scenarios PACKAGE@STRUCTURE). Two-way "
        "decomposition of the final value, seeds as blocks: share of the variation between the cells' means due to "
        "the package, the government (structure: tree, wealth, calendar) and their interaction, with 95% intervals "
        "from a bootstrap over seeds; then each package's and government's main effect (difference from the mean "
        "over all cells, t interval over seeds).",
        "share_package": "package share",
        "share_structure": "government share",
        "share_interaction": "interaction share",
        "main_package": "package main effect: {p}",
        "main_structure": "government main effect: {s}",
    }
)
UI["zh"].update(
    {
        "verdict": "结论",
        "verdict_note": "根据本次结果自动生成：各改革方案在同一政府上运行，按随机种子配对。“领先”指与第二名之差的 95% "
        "置信区间不含 0；否则视为并列。",
        "verdict_intro": "在同一政府（{s}）上比较改革方案 {p}：",
        "verdict_lead": "{m}：{p} 领先（{a}，{q} 为 {b}；差值 {d}，95% 区间 {ci}；{n} 个种子中 {k} 个领先）。",
        "verdict_tie": "{m}：{p} 与 {q} 并列（{a} 与 {b}；差值 {d}，95% 区间 {ci} 含 0；{n} 个种子中 {p} 领先 {k} 个）。",
        "verdict_same": "{m}：各方案无差异（每个种子均为 {a}）。",
        "verdict_item": "{m}（{k}/{n} 个种子）",
        "verdict_package": "{p} 领先于：{items}。",
        "verdict_package_none": "{p} 在主要指标上均不领先。",
        "verdict_ties": "并列（区间含 0）：{items}。",
        "verdict_tie_item": "{m}（{p} ≈ {q}）",
        "verdict_no_difference": "各方案无差异：{items}。",
        "verdict_details": "各指标详情：领先者、第二名、差值及区间、方案与政府的分解",
        "verdict_cost": " 信息化支出：比未改革的同一政府变化 {c} 万元/月（{pct}，{sure}）。",
        "verdict_sure": "区间不含 0",
        "verdict_unsure": "区间含 0",
        "verdict_decomposition": "在 {ns} 个政府之间，改革方案解释了各组合间差异的 {pk}，政府本身 {st}，两者交互 {ia}。",
        "decomposition": "改革方案与政府结构",
        "decomposition_note": "改革方案与政府交叉运行（情景 PACKAGE@STRUCTURE）。以种子为区组对最后一个月的数值做双因素分解："
        "各组合均值之间的差异中由改革方案、政府（层级结构、财力差距、时间起点）及其交互解释的比例，95% 区间来自对种子的自助法；"
        "其后为各方案、各政府的主效应（相对全部组合均值之差，按种子的 t 区间）。",
        "share_package": "方案占比",
        "share_structure": "政府占比",
        "share_interaction": "交互占比",
        "main_package": "方案主效应：{p}",
        "main_structure": "政府主效应：{s}",
    }
)
