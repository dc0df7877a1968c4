"""Report labels in English and Chinese. Measure definitions in English come from
`sim.measures.MEASURES`; the Chinese ones are kept here, next to their names."""

from __future__ import annotations

from ..measures import MEASURES

UI = {
    "en": {
        "title": "govsim report",
        "subtitle": "Which reform model does what, how sure we are, and at what cost",
        "summary": "Summary: final month, mean and 95% interval over runs",
        "summary_note": "★ marks the best mean among variants for measures with a direction; n = runs.",
        "all_measures": "All measures",
        "effects": "Effect versus the baseline",
        "effects_note": "Difference variant − reference in the final month, with its 95% interval; runs are paired "
        "by seed where possible. The reference is the baseline, or a reform-free scenario of the same government "
        "(guangdong_before for guangdong, else e.g. provincial); reform-free scenarios of another size are "
        "references themselves and have no row. Green: better, red: worse (interval excludes 0).",
        "timeseries": "Time series",
        "timeseries_note": "Mean over runs with its 95% band; click legend entries to show or hide variants.",
        "tradeoffs": "Trade-offs",
        "tradeoffs_note": "One point per variant with 95% intervals; right and up is better on the first chart.",
        "contributions": "Single reforms next to the provincial models",
        "contributions_note": "Effect on each measure versus the baseline: each reform alone, and the combined models.",
        "sensitivity": "Sensitivity",
        "toggles": "What each scenario changes",
        "toggles_note": "Reforms switched on and parameters that differ from the baseline preset.",
        "provenance": "Provenance",
        "definitions": "Measures",
        "notes": "Notes",
        "variant": "variant",
        "measure": "measure",
        "unit": "unit",
        "definition": "definition",
        "runs": "runs",
        "reforms_on": "reforms on",
        "changes": "changed parameters",
        "none": "none",
        "silo_reduction": "silo reduction (baseline − variant)",
        "dup_saved": "duplicated spending saved, 万元/month",
        "no_baseline": "No runs of the baseline scenario '{b}': effects and trade-offs are not shown.",
        "failed": "{n} run(s) failed and are left out: {ids}.",
        "single": "Variant(s) with a single run, shown without an interval: {v}.",
        "no_runs": "Variant(s) with no successful run: {v}.",
        "no_sens": "",
        "ranked_by": "ranked by {k}",
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
        "unresolved": "could not read this scenario file",
        "versus": "versus",
        "size_mismatch": "{v}: compared with '{b}', whose government has another size and no reform-free run of "
        "the same government is in these results; spending and counts are not comparable (add e.g. 'provincial').",
    },
    "zh": {
        "title": "govsim 报告",
        "subtitle": "哪种改革模式带来什么效果、把握有多大、代价是什么",
        "summary": "概览：最后一个月的均值及 95% 置信区间",
        "summary_note": "★ 表示在有优劣方向的指标上均值最优的方案；n 为运行次数。",
        "all_measures": "全部指标",
        "effects": "相对基线的效果",
        "effects_note": "最后一个月 方案 − 对照 的差值及其 95% 置信区间；尽量按随机种子配对。对照为基线，或相同政府规模、未开启改革的情景（广东对照 guangdong_before，否则如 provincial）；其他规模的无改革情景本身即为对照，不单列。绿色为改善，红色为变差（区间不含 0）。",
        "timeseries": "时间序列",
        "timeseries_note": "各次运行的均值及 95% 区间带；点击图例可显示或隐藏方案。",
        "tradeoffs": "权衡",
        "tradeoffs_note": "每个方案一个点，附 95% 区间；第一张图越靠右上越好。",
        "contributions": "单项改革与省级模式对比",
        "contributions_note": "各指标相对基线的效果：单项改革及组合的省级模式。",
        "sensitivity": "敏感性分析",
        "toggles": "各情景的设置",
        "toggles_note": "相对基线预设开启的改革和不同的参数。",
        "provenance": "来源信息",
        "definitions": "指标说明",
        "notes": "说明",
        "variant": "方案",
        "measure": "指标",
        "unit": "单位",
        "definition": "定义",
        "runs": "运行次数",
        "reforms_on": "开启的改革",
        "changes": "变化的参数",
        "none": "无",
        "silo_reduction": "孤岛指数下降（基线 − 方案）",
        "dup_saved": "节省的重复投入（万元/月）",
        "no_baseline": "没有基线情景“{b}”的运行结果：不显示效果与权衡。",
        "failed": "{n} 次运行失败，已剔除：{ids}。",
        "single": "只有一次运行的方案（无置信区间）：{v}。",
        "no_runs": "没有成功运行的方案：{v}。",
        "no_sens": "",
        "ranked_by": "按 {k} 排序",
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
        "unresolved": "无法读取该情景文件",
        "versus": "对照",
        "size_mismatch": "{v}：与“{b}”对比，但两者政府规模不同，且结果中没有相同规模、未开启改革的情景；支出和数量类指标不可比（可加入 provincial 等）。",
    },
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
    "total_it_spending": (
        "信息化总支出",
        "万元/月",
        "本月信息化支出：建设、运维（人员工资和供应商费用）、共享链接、平台、数据局及各类项目。",
    ),
    "duplicated_spending": (
        "重复投入",
        "万元/月",
        "本月用于本可获得之能力的支出：在平台层、政府统一应用或同级政府其他部门已建系统可用时启动的项目，以及此类重复系统的运行费用。",
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
        "比例 0-1",
        "在运系统中处于政府有效掌控之下的比例：政府人员自行运维的系统计 1；外包系统按监督发现问题的概率计（部门信息化人员技能、技术保障机构、审计）。",
    ),
    "data_monopoly": (
        "数据垄断指数",
        "比例 0-1",
        "单一供给方对本市场公共数据的最大独占程度（运营公司的数据掌控；供应商托管而未开放的份额），按数据量加权。",
    ),
    "mobile_apps": ("政务 App 数", "个", "在运的部门移动应用加上整合后的政府统一应用数。"),
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
}


def t(lang: str, key: str, **kw) -> str:
    return UI[lang][key].format(**kw)


def measure_name(lang: str, m: str) -> str:
    return MEASURE_ZH[m][0] if lang == "zh" else m.replace("_", " ")


def measure_unit(lang: str, m: str) -> str:
    return MEASURE_ZH[m][1] if lang == "zh" else MEASURES[m].unit


def measure_definition(lang: str, m: str) -> str:
    return MEASURE_ZH[m][2] if lang == "zh" else MEASURES[m].definition
