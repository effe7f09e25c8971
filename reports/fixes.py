"""整改建议: what a site should do about a finding, per check kind, shown beside each rule's
findings in the report (issue 5: each finding with its evidence and the fix).

The texts paraphrase what the rule's basis asks (standards.md); a kind missing here gets the
generic text, so a new check kind never breaks the report.
"""

from __future__ import annotations

FIXES: dict[str, str] = {
    "site_unreachable": "排查服务器、网络和域名解析，恢复网站正常访问；建立可用性监测，故障时及时处置并向主管部门报备。",
    "homepage_stale": "首页动态、要闻类信息至少每两周更新一次；确无新内容时发布工作动态，避免首页长期不更新。",
    "column_stale": "按栏目类别的时限更新内容（动态要闻类两周、通知公告和政策文件类半年、人事和规划计划类一年）；已停止维护的栏目应整合或下线。",
    "column_freshness": "按本地考核要求的时限更新该栏目；栏目不再使用的应整合或下线。",
    "column_empty": "为空白栏目补充内容；确无内容的栏目应删除或与相关栏目合并，不得以“暂无信息”占位。",
    "link_broken": "修复或删除不可用链接；目标已迁移的改为新地址，附件重新上传；疑似被拦截的链接请人工复核。",
    "link_suspicious": "删除隐藏链接和指向赌博、色情等网站的链接，排查网站是否被篡改或挂马，并向网络安全主管部门报告。",
    "catalogue_missing": "按《政府信息公开条例》第二十条、第二十一条（公共企事业单位按行业办事公开目录）补齐缺失事项的栏目或链接；确不适用的事项在站点配置中说明。",
    "meta_missing": "按《政府网站发展指引》补齐页面元数据标签，页脚标明网站标识码、ICP备案编号、公安机关备案号和主办单位；PubDate 应与页面显示的发布日期一致。",
    "annual_report_missing": "在法定期限前（政府部门1月31日、各级政府3月31日）发布上一年度政府信息公开工作年度报告。",
    "annual_report_late": "今后按期发布年度报告，并在发布流程中设置提醒。",
    "annual_report_structure": "按国办公开办函〔2021〕30号的格式补齐年度报告的六部分内容，写明统计期限，使用新版表格。",
    "annual_report_arithmetic": "核对年度报告表三、表四的统计数据，使各项合计相符，更正后重新发布。",
    "annual_report_carryover": "核对本年度“上年结转”与上年度报告“结转下年度继续办理”的数据，确保衔接一致。",
    "annual_report_boilerplate": "结合本年度工作实际撰写总体情况、存在的主要问题及改进情况，不照搬上年内容。",
    "privacy_leak": "立即对页面中的身份证号、手机号、银行卡号作去标识化处理，排查同类页面和附件，并在发布审核中增加个人信息检查。",
    "timeliness": "属于主动公开范围的信息，自形成或变更之日起20个工作日内公开；优化审核流程，缩短发布时间。",
    "interpretation_missing": "政策文件与解读材料同步组织、同步审签、同步部署，并在文件页与解读页之间相互链接。",
    "outage_notice_late": "计划停水、停气、停电、停暖按行业规定的提前量发布公告，写明影响区域和起止时间。",
    "guide_outdated": "按《政府信息公开条例》第十二条更新政府信息公开指南：分类和编排体系、获取方式、受理机构的办公地址、办公时间、联系电话、传真号码、互联网联系方式，并注明更新日期。",
    "interaction_unanswered": "及时办理并公开答复群众留言，答复时间不超过规定时限；不能按时办结的应告知办理进度。",
    "page_required": "发布要求的页面或内容，并在规定时限内保持更新。",
    "text_required": "在网站上公开要求的内容。",
    "text_forbidden": "删除或更正页面中不应出现的内容，并排查同类页面。",
    "term_required": "在网站上公开要求的内容（如现任领导信息、主办单位名称），并与实际保持一致。",
    "term_forbidden": "更正页面中的错误或过时表述（如机构旧称、领导职务），并排查同类页面；历史资料可标注“原”。",
}
GENERIC = "根据规则依据核实问题，整改后在下次检查中复核。"


def fix_for(check: str) -> str:
    """Return the 整改建议 for a check kind (a generic text for an unknown kind)."""
    return FIXES.get(check, GENERIC)
