"""Acceptance truth for page extraction on the real pages in ../shared/realworld/html.

Every value was read off the page by a person (visible text, metas, breadcrumb), not produced by
crawlers/extract.py. Field meanings:

- url: the page's real URL when the page reveals it (meta Url, a "saved from url" comment, a
  share/bookmark link pointing at itself); otherwise https://example.gov.cn/<file>. URL-pattern
  dates depend on it.
- encoding: the true encoding family: 'utf-8', 'gb18030' (any GB2312/GBK bytes) or 'utf-16'.
- title: the headline as a reader sees it (list/home pages: the page's name without site suffix).
- pub_date / date_source: the publish date shown near the headline (发布时间/发布日期/日期 line)
  → 'visible'; else the meta publish date → 'meta'; else a date in the URL → 'url'; else None.
  A 发布日期 line wins over a catalogue 生成日期/发文日期 cell; signature dates at the end of the
  body, body text dates, "today" widgets and sidebar lists never count.
- meta_pubdate: date part of <meta name="PubDate"> (name compared case-insensitively) or None.
- column: ColumnName meta if present, else the breadcrumb crumb naming the column, else None.
  Year or issue sub-folders (2024, 2007年第23号) are not columns: the crumb above them is.
- column_also: other readings accepted where the rule gives None but the page shows a column
  heading (column_source 'heading'/'title' in PageAnalysis).
- page_type: 'article' | 'list' | 'home' | 'other'.
- min_entries / first_entry (list and home pages): dated entries counted in the main list(s), and
  (title, ISO date) of the first dated entry of the main list as shown.
- note: the traps on the page.
"""

from __future__ import annotations

from typing import Any

EXPECTED: dict[str, dict[str, Any]] = {
    # ------------------------------------------------------------------ GeneralNewsExtractor set
    "gne_zjdrc_touzi_article_2016.html": {
        "url": "http://fgw.zj.gov.cn/art/2016/11/22/art_1621004_30332664.html",
        "encoding": "utf-8",
        "title": "1-10月德清县固定资产投资结构趋稳趋优",
        "pub_date": "2016-11-22",
        "date_source": "visible",
        "meta_pubdate": "2016-11-22",
        "column": "投资运行",
        "page_type": "article",
        "note": "发布日期：2016-11-22; breadcrumb 首页>发展改革工作>投资管理和项目推进>投资运行 agrees "
        "with ColumnName; URL from meta url.",
    },
    "gne_shanxi_gov_article_2019.html": {
        "url": "http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_693227.shtml",
        "encoding": "utf-8",
        "title": "山西品牌丝路行（南美站）正式启动",
        "pub_date": "2019-09-18",
        "date_source": "visible",
        "meta_pubdate": "2019-09-18",
        "column": "山西要闻",
        "page_type": "article",
        "note": "Date is on the line after a bare 时间： label; subtitle h3 成功举办… is not part of "
        "the title; <title> carries site suffix; meta Url is relative (./t20190918_693227.shtml), "
        "absolute URL from the page's share script.",
    },
    "gne_sxmu_university_jijian_article_2018.html": {
        "url": "https://example.gov.cn/gne_sxmu_university_jijian_article_2018.html",
        "encoding": "utf-8",
        "title": "中华人民共和国监察法",
        "pub_date": "2018-05-17",
        "date_source": "visible",
        "meta_pubdate": None,
        "column": None,
        "column_also": ["纪检监察"],
        "page_type": "article",
        "note": "No metas, no breadcrumb; column heading '■ 纪检监察' (template block 栏目名称) "
        "above the title; <title> is '中华人民共和国监察法-纪检'.",
    },
    "gne_hunan_tcm_hospital_article_2019.html": {
        "url": "https://example.gov.cn/gne_hunan_tcm_hospital_article_2019.html",
        "encoding": "utf-8",
        "title": "【不忘初心 牢记使命】我院医技药剂党支部举办2019年中药、药学理论知识与专业技能大赛",
        "pub_date": "2019-10-31",
        "date_source": "visible",
        "meta_pubdate": None,
        "column": "新闻动态",
        "page_type": "article",
        "note": "Visible date written 2019年10月31日 23:00; breadcrumb 位置：首页>新闻动态; <title> "
        "ends with the hospital name after a space (no separator).",
    },
    "gne_cmse_news_article_2012.html": {
        "url": "http://www.cmse.gov.cn/ztbd/xwfbh/201206/t20120624_43188.html",
        "encoding": "utf-8",
        "title": "天宫一号与神舟九号载人交会对接任务第二场新闻发布会",
        "pub_date": "2012-06-24",
        "date_source": "visible",
        "meta_pubdate": None,
        "column": "新闻发布会",
        "page_type": "article",
        "note": "Unlabelled breadcrumb 首页>专题报道>新闻发布会; URL from the saved-page comment.",
    },
    "gne_cmse_news_article_2021.html": {
        "url": "http://www.cmse.gov.cn/xwzx/zhxw/202101/t20210106_47506.html",
        "encoding": "utf-8",
        "title": "载人航天工程全线备战空间站建造任务",
        "pub_date": "2021-01-05",
        "date_source": "visible",
        "meta_pubdate": None,
        "column": "综合新闻",
        "page_type": "article",
        "note": "URL date t20210106 differs from visible 发布日期 2021-01-05 (visible wins).",
    },
    "gne_govcn_gazette_article_2007.html": {
        "url": "https://example.gov.cn/gne_govcn_gazette_article_2007.html",
        "encoding": "utf-8",
        "title": "全国人民代表大会常务委员会关于批准财政部发行特别国债购买外汇及调整2007年末国债余额限额的决议",
        "pub_date": "2007-08-20",
        "date_source": "meta",
        "meta_pubdate": None,
        "column": "国务院公报",
        "column_also": ["2007年第23号"],
        "page_type": "article",
        "note": "No visible publish date: （2007年6月29日…通过） is the adoption date, not the "
        "publish date; the publish date is meta firstpublishedtime 2007-08-20 (no PubDate meta). "
        "Title is a bold paragraph split by <br>; <title> has '2007\\u3000年末'. A stray </html> "
        "after the header precedes the whole article. Breadcrumb 首页>国务院公报>2007年第23号 and "
        "meta lanmu name the issue; the column is 国务院公报.",
    },
    "gne_gsc_society_news_2019.html": {
        "url": "https://example.gov.cn/gne_gsc_society_news_2019.html",
        "encoding": "utf-8",
        "title": "2019年中国人文地理学术年会在重庆•西南大学成功举行！",
        "pub_date": "2019-05-18",
        "date_source": "visible",
        "meta_pubdate": None,
        "column": "新闻动态",
        "page_type": "article",
        "note": "Generic <title> '新闻动态--中国地理学会官网'; breadcrumb h3 '首页 - 新闻动态'.",
    },
    "gne_people_news_decl-gb2312_utf8-bytes.html": {
        "url": "http://culture.people.com.cn/n1/2019/0615/c1013-31153719.html",
        "encoding": "utf-8",
        "title": "女儿出嫁，郑板桥画了几笔兰花当嫁妆",
        "pub_date": "2019-06-15",
        "date_source": "visible",
        "meta_pubdate": None,
        "column": "文化",
        "page_type": "article",
        "note": "UTF-8 bytes but declares charset=GB2312; meta publishdate (not PubDate) 2019-06-15; "
        "breadcrumb 人民网>>文化; article is paginated (-2..-4 pages). Not a gov site.",
    },
    "cxext_people_news_gb2312_2009.html": {
        "url": "http://politics.people.com.cn/GB/14562/10339009.html",
        "encoding": "gb18030",
        "title": "安徽司法行政系训诫预警：“揪揪耳朵”防腐败",
        "pub_date": "2009-11-09",
        "date_source": "visible",
        "meta_pubdate": None,
        "column": None,
        "column_also": ["时政"],
        "page_type": "article",
        "note": "Real GB2312 bytes; kicker line 安徽司法行政系统推行领导干部训诫预警 above the h1 is not "
        "the title; no breadcrumb, channel 时政 only in <title>. Not a gov site.",
    },
    # ------------------------------------------------------------------ 宜春 / 万载 (SimonXinw)
    "simon_wanzai_tjgb2015_article.html": {
        "url": "http://www.wanzai.gov.cn/wzxrmzf/tjgb/201705/9c059bf058ef4db8b3c8f920e22186fe.shtml",
        "encoding": "utf-8",
        "title": "万载县2015年国民经济和社会发展统计公报",
        "pub_date": "2017-05-15",
        "date_source": "visible",
        "meta_pubdate": "2022-04-24",
        "column": "统计公报",
        "page_type": "article",
        "note": "meta PubDate 2022-04-24 differs from visible 发布日期 2017-05-15; header 'today' "
        "widget shows 2023年10月11日 星期三.",
    },
    "simon_wanzai_tjgb2022_catalogue_article.html": {
        "url": "http://www.wanzai.gov.cn/wzxrmzf/tjsja/202305/7215380191c5400397df5d7d0b5fd06b.shtml",
        "encoding": "utf-8",
        "title": "万载县2022年国民经济和社会发展统计公报",
        "pub_date": "2023-05-11",
        "date_source": "visible",
        "meta_pubdate": "2023-08-16",
        "column": "统计数据",
        "page_type": "article",
        "note": "信息公开目录 detail: only visible date is 生成日期 2023-05-11 in the 索引号 table; meta "
        "PubDate 2023-08-16 differs; related-article list shows a newer 2023-07-12; body has "
        "（2023年5月）.",
    },
    "simon_yichun_tjgb2022_catalogue_article.html": {
        "url": "https://www.yichun.gov.cn/ycsrmzf/tjgb/202305/36796cdc82d04268913f2884cf2fe579.shtml",
        "encoding": "utf-8",
        "title": "宜春市2022年国民经济和社会发展统计公报",
        "pub_date": "2023-04-18",
        "date_source": "visible",
        "meta_pubdate": "2023-05-16",
        "column": "统计公报",
        "page_type": "article",
        "note": "Only visible date is 发文日期 2023-04-18 in the catalogue table (no 发布日期 line), so "
        "it is the reader's date; meta PubDate 2023-05-16 differs and the URL folder 202305 says "
        "the web page itself went up in May (worth a 时效 look, not a different pub_date); "
        "bulletin's own date （2023年4月12日） in body.",
    },
    "simon_yichun_jiangxi_tjgb2022_catalogue_article.html": {
        "url": "https://www.yichun.gov.cn/ycsrmzf/tjgb/202304/3f093ec317ba4609b241d0c79175c7cd.shtml",
        "encoding": "utf-8",
        "title": "江西省2022年国民经济和社会发展统计公报",
        "pub_date": "2023-03-31",
        "date_source": "visible",
        "meta_pubdate": "2023-05-16",
        "column": "统计公报",
        "page_type": "article",
        "note": "Only visible date is 发文日期 2023-03-31; meta PubDate 2023-05-16 (same minute as the "
        "宜春 bulletin: a batch regeneration) differs and contradicts URL folder 202304; body "
        "bulletin date 2023年3月28日.",
    },
    "simon_yichun_portal_homepage_list.html": {
        "url": "https://www.yichun.gov.cn/",
        "encoding": "utf-8",
        "title": "中国宜春",
        "pub_date": None,
        "date_source": None,
        "meta_pubdate": None,
        "column": None,
        "page_type": "home",
        "min_entries": 10,
        "first_entry": ("严允：加速打造国家级新能源产业重要集聚区", "2023-10-11"),
        "note": "Portal home page; 政务要闻 (main list) shows 1 featured + 9 items with MM-DD dates "
        "(no year: 10-11 → 2023 from the 202310 URLs and page generation 2023-10-11); 41 dated "
        "items across all home lists; an undated slideshow precedes the lists.",
    },
    # ------------------------------------------------------------------ procurement / NFRA
    "ccgp-hebei_zbgg_article_2021.html": {
        "url": "http://www.ccgp-hebei.gov.cn/cd/cd_wc/cggg/zhbggAAAA/202110/t20211011_1485252.html",
        "encoding": "utf-8",
        "title": "2021年村级信息资源共享支中心电脑采购项目中标公告",
        "pub_date": "2021-10-11",
        "date_source": "visible",
        "meta_pubdate": "2021-10-11",
        "column": "中标公告",
        "page_type": "article",
        "note": "Generic <title> '中标公告详细页面'; breadcrumb 您当前位置：承德市>围场县>采购公告>中标公告 "
        "(last crumb glued to '>'); no ColumnName meta.",
    },
    "ccgp_cjgg_article_2021.html": {
        "url": "https://example.gov.cn/ccgp_cjgg_article_2021.html",
        "encoding": "utf-8",
        "title": "芷江侗族自治县公路建设养护中心、芷江侗族自治县扶贫开发服务有限责任公司贫困县乡村基础设施建设二期项目安防工程十标成交公告",
        "pub_date": "2021-06-10",
        "date_source": "visible",
        "meta_pubdate": None,
        "column": "成交公告",
        "page_type": "article",
        "note": "Visible 2021年06月10日 17:35; body also has 招标公告日期 2021-05-26 and 成交日期 "
        "2021-06-09; breadcrumb 首页»政采公告»地方公告»成交公告.",
    },
    "nfra_xzcf_hq_article_2024.html": {
        "url": "https://www.nfra.gov.cn/cn/view/pages/ItemDetail.html?docId=1170162&itemId=4113&generaltype=9",
        "encoding": "utf-8",
        "title": "国家金融监督管理总局行政处罚信息公开表(金罚决字〔2024〕36号)",
        "pub_date": "2024-07-12",
        "date_source": "visible",
        "meta_pubdate": "2024-07-12",
        "column": "总局机关",
        "page_type": "article",
        "note": "JS-rendered (AngularJS) source: no visible headline element, the table heading reads "
        "国家金融监督管理总局行政处罚信息公开表 with 文号 below, so the title is the document title "
        "(ArticleTitle); generic <title>; mega-menu shows newer 留言时间 2025-04-27 and many "
        "ng-hide blocks; URL from the page's own share links.",
    },
    "nfra_xzcf_zhejiang_article_2025.html": {
        "url": "https://www.nfra.gov.cn/cn/view/pages/ItemDetail.html?docId=1212085&itemId=4114&generaltype=9",
        "encoding": "utf-8",
        "title": "国家金融监督管理总局浙江监管局行政处罚信息公开表（浙金罚决字〔2024〕52号）",
        "pub_date": "2025-06-03",
        "date_source": "visible",
        "meta_pubdate": "2025-06-03",
        "column": "监管局本级",
        "page_type": "article",
        "note": "JS-rendered source; headline shown as two lines (table heading + （文号）); the "
        "文号 year 2024 is not the publish date; generic <title>; menu shows 2025-04-27.",
    },
    # ------------------------------------------------------------------ list pages (not gov)
    "gerapy_rtfund_xxpl_list_2020.html": {
        "url": "https://example.gov.cn/gerapy_rtfund_xxpl_list_2020.html",
        "encoding": "utf-8",
        "title": "信息披露",
        "pub_date": None,
        "date_source": None,
        "meta_pubdate": None,
        "column": "信息披露",
        "page_type": "list",
        "min_entries": 15,
        "first_entry": (
            "融通关于旗下部分开放式基金新增华瑞保险销售有限公司为销售机构并参加其费率优惠活动的公告",
            "2020-07-09",
        ),
        "note": "UTF-8 bytes declaring charset=gb2312; 15 entries, date span before the link; pager "
        "第1/436页 with 下一页; breadcrumb 首页>关于融通>信息披露. Fund company, not gov.",
    },
    "gerapy_hrfund_xxpl_list_2020.html": {
        "url": "https://example.gov.cn/gerapy_hrfund_xxpl_list_2020.html",
        "encoding": "utf-8",
        "title": "信息披露",
        "pub_date": None,
        "date_source": None,
        "meta_pubdate": None,
        "column": None,
        "column_also": ["信息披露"],
        "page_type": "list",
        "min_entries": 10,
        "first_entry": (
            "华融基金管理有限公司关于旗下基金参加南京苏宁基金销售有限公司申购补差费费率优惠活动的公告",
            "2020-04-30",
        ),
        "note": "10 entries linking straight to PDFs, date in <i> after the title; no breadcrumb, "
        "banner heading 信息披露; <title> '信息披露_资讯中心_华融基金'. Fund company, not gov.",
    },
    # ------------------------------------------------------------------ mhxqwer copies (30)
    "mhx_cxwxa_article.html": {
        "url": "http://www.xa.gov.cn/xw/zwzx/qxrd/1833316118612205569.html",
        "encoding": "utf-8",
        "title": "2024年鄠邑区第十一届国家网络安全宣传周启动",
        "pub_date": "2024-09-10",
        "date_source": "visible",
        "meta_pubdate": "2024-09-10",
        "column": "区县热点",
        "page_type": "article",
        "note": "发布时间 line appears twice (print block).",
    },
    "mhx_dcy-liaoyang_article.html": {
        "url": "https://example.gov.cn/mhx_dcy-liaoyang_article.html",
        "encoding": "utf-8",
        "title": "辽宁省第十四届运动会青少年组现代五项比赛在弓长岭区开幕",
        "pub_date": "2023-06-12",
        "date_source": "visible",
        "meta_pubdate": "2023-06-12",
        "column": "本市要闻",
        "page_type": "article",
        "note": "Label reads 时间发布： (swapped); body has a 2002年01月05日 birth date in injected text.",
    },
    "mhx_djsc_article.html": {
        "url": "http://www.sc.gov.cn/10462/11689/11698/11704/2025/6/3/071bf8764a6c4ac791d78c1c0acab3c5.shtml",
        "encoding": "utf-8",
        "title": "四川省卫生健康委员会关于四川省第十四届人民代表大会第四次会议第14040218号建议的复函",
        "pub_date": "2025-06-03",
        "date_source": "visible",
        "meta_pubdate": "2025-06-03",
        "column": "省人大代表建议和答复",
        "page_type": "article",
        "note": "Visible date written 2025年06月03日 13时44分; signature date 2025年4月24日 at the end "
        "is not the publish date.",
    },
    "mhx_fjffoshan_article.html": {
        "url": "https://example.gov.cn/mhx_fjffoshan_article.html",
        "encoding": "utf-8",
        "title": "顺德容桂首届规范汉字现场书写大赛收官",
        "pub_date": "2024-06-25",
        "date_source": "visible",
        "meta_pubdate": "2024-06-25",
        "column": "顺德区",
        "page_type": "article",
        "note": "Generic <title> '佛山市人民政府门户网站'; headline is an h3.",
    },
    "mhx_gjbcac_article.html": {
        "url": "https://example.gov.cn/mhx_gjbcac_article.html",
        "encoding": "utf-8",
        "title": "从信息社会迈向智能社会",
        "pub_date": "2020-02-18",
        "date_source": "visible",
        "meta_pubdate": None,
        "column": None,
        "page_type": "article",
        "note": "No metas; breadcrumb 首页>正文 names no column; footer text 'publishdate:2024/01/05' "
        "(CMS build stamp) is newer than the visible 2020年02月18日 09:15.",
    },
    "mhx_gqsbjshy_article.html": {
        "url": "http://www.bjshy.gov.cn/web/ztlm/zt/jzjmxlx_tjgcsymfcllg/gzdt59/1545021/index.html",
        "encoding": "utf-8",
        "title": "“书法进军营，共谱鱼水情”——顺义区开展军地书法交流活动",
        "pub_date": "2024-08-14",
        "date_source": "visible",
        "meta_pubdate": "2024-08-14",
        "column": "工作动态",
        "page_type": "article",
        "note": "Visible label is 更新时间：2024-08-14 10:46; two breadcrumbs (您现在的位置 …>详情页 and "
        "您的位置 …>工作动态).",
    },
    "mhx_hjhbjdx_article.html": {
        "url": "http://www.bjdx.gov.cn/bjsdxqrmzf/zhyw/zjdt/2188837/index.html",
        "encoding": "utf-8",
        "title": "中国书法协会会员、大兴书法家协会驻会副主席兼秘书长胡文成参加采育镇“葡韵”之美书画活动",
        "pub_date": "2024-09-27",
        "date_source": "visible",
        "meta_pubdate": "2024-09-27",
        "column": "镇街动态",
        "page_type": "article",
        "note": "日期：2024-09-27 15:28.",
    },
    "mhx_hjhbjft_article.html": {
        "url": "https://example.gov.cn/mhx_hjhbjft_article.html",
        "encoding": "utf-8",
        "title": "科兴佳园社区民族大团结书法笔友会活动",
        "pub_date": "2024-05-30",
        "date_source": "visible",
        "meta_pubdate": "2024-06-03",
        "column": "街镇动态",
        "page_type": "article",
        "note": "meta PubDate 2024-06-03 differs from visible 日期：2024-05-30; headline is "
        "div.Contitle (no h1).",
    },
    "mhx_jchgz_article.html": {
        "url": "https://www.gz.gov.cn/ysgz/xwdt/ysdt/content/post_9360641.html",
        "encoding": "utf-8",
        "title": "广州美妆产业依靠自主创新持续发力",
        "pub_date": "2023-12-05",
        "date_source": "visible",
        "meta_pubdate": "2023-12-05",
        "column": "营商动态",
        "page_type": "article",
        "note": "Bare date 2023-12-05 (no label) under the h1.",
    },
    "mhx_jchhp_article.html": {
        "url": "https://example.gov.cn/mhx_jchhp_article.html",
        "encoding": "utf-8",
        "title": "黄埔区图书馆成功举行书香相伴“妆”点女人心——女性化妆技巧公益讲座",
        "pub_date": "2018-03-20",
        "date_source": "visible",
        "meta_pubdate": "2018-03-20",
        "column": "政府信息公开",
        "page_type": "article",
        "note": "ColumnName 政府信息公开 (also in <title>).",
    },
    "mhx_lfyfcgs_article.html": {
        "url": "http://www.fcgs.gov.cn/zxzx/zdxm/t18993630.shtml",
        "encoding": "utf-8",
        "title": "广西防城港白龙核电项目一期工程建设动员大会举行",
        "pub_date": "2024-09-12",
        "date_source": "visible",
        "meta_pubdate": "2024-09-12",
        "column": "重大项目",
        "page_type": "article",
        "note": "Header 'today' widget 今天：2024年2月22日 星期四; page template repeats breadcrumb "
        "and date.",
    },
    "mhx_lfygxzf_article.html": {
        "url": "http://www.gxzf.gov.cn/zzqzyxx/t19107548.shtml",
        "encoding": "utf-8",
        "title": "下六甲灌区工程重要节点全面开工",
        "pub_date": "2024-10-17",
        "date_source": "visible",
        "meta_pubdate": "2024-10-17",
        "column": "自治区重要信息",
        "page_type": "article",
        "note": "Generic <title>; kicker h2 国务院150项重大水利工程之一 above the h1; header date "
        "widget 2023年9月9日; date after 来源： on the same line.",
    },
    "mhx_lgcwsjkw-sh_article.html": {
        "url": "http://wsjkw.sh.gov.cn/jcws2/20240511/b5c2db3d781e4c7fbcfb6bed2fe2d982.html",
        "encoding": "utf-8",
        "title": "关于开展2024年“世界家庭医生日”主题宣传活动的通知",
        "pub_date": "2024-05-11",
        "date_source": "visible",
        "meta_pubdate": "2024-05-11",
        "column": "基层卫生",
        "page_type": "article",
        "note": "Date is inside the heading h2 '…通知 ( 2024-05-11)' and must not stay in the title; "
        "the 发布时间 cell of the catalogue table is empty.",
    },
    "mhx_lszqingdao_article.html": {
        "url": "http://www.qingdao.gov.cn/zwgk/xxgk/sfj/flxx/zfjs/202212/t20221212_6566667.shtml",
        "encoding": "utf-8",
        "title": "胶州市司法局胶莱司法所组织开展法治文化剪纸活动",
        "pub_date": "2022-12-06",
        "date_source": "visible",
        "meta_pubdate": "2022-12-06",
        "column": "法治政府建设",
        "page_type": "article",
        "note": "URL date t20221212 differs from visible 发布日期 : 2022-12-06 (spaces around the "
        "colon); URL from the page's ownerUrl script variable.",
    },
    "mhx_lxhkjt-yn_article.html": {
        "url": "https://example.gov.cn/mhx_lxhkjt-yn_article.html",
        "encoding": "utf-8",
        "title": "[人民网]第六届云南国际人才交流会将于11月12日开幕",
        "pub_date": "2022-11-14",
        "date_source": "visible",
        "meta_pubdate": "2022-11-14",
        "column": "媒体聚焦",
        "page_type": "article",
        "note": "Sidebar list before the article shows newer dates (2024-01-25); visible date after "
        "来源：宣教中心 on one line; 上一篇/下一篇 links carry 2022-11-11/2022-11-14.",
    },
    "mhx_lysctcm-sc_article.html": {
        "url": "https://example.gov.cn/mhx_lysctcm-sc_article.html",
        "encoding": "utf-8",
        "title": "普及中医药健康知识 感悟中医药文化魅力 中医药文化服务月活动持续开展",
        "pub_date": "2023-07-19",
        "date_source": "visible",
        "meta_pubdate": "2024-04-15",
        "column": "各地动态",
        "page_type": "article",
        "note": "meta PubDate 2024-04-15 differs from visible 发布日期：2023-07-19 19:21:00.",
    },
    "mhx_mhmiit_article.html": {
        "url": "https://www.miit.gov.cn/xwdt/gxdt/dfgz/art/2020/art_14730801a8ae49e99b132c83575b7810.html",
        "encoding": "utf-8",
        "title": "北京通管局组织“三电”专项斗争大检查 确保国庆60周年电信设施安全运行",
        "pub_date": "2009-09-30",
        "date_source": "visible",
        "meta_pubdate": "2023-05-12",
        "column": "地方工作",
        "page_type": "article",
        "note": "Migrated article: meta PubDate 2023-05-12 and URL folder art/2020 differ from "
        "visible 发布时间：2009-09-30; meta Url is site-relative (host www.miit.gov.cn).",
    },
    "mhx_mltjyt-zj_article.html": {
        "url": "http://jyt.zj.gov.cn/art/2024/10/21/art_1543973_58942886.html",
        "encoding": "utf-8",
        "title": "全省教育系统师德师风建设专题培训班举办",
        "pub_date": "2024-10-21",
        "date_source": "visible",
        "meta_pubdate": "2024-10-21",
        "column": "图文报道",
        "page_type": "article",
        "note": "信息公开 metadata block (索引号, 生成日期 2024-10-21) above 发布日期：2024-10-21.",
    },
    "mhx_myzgd_article.html": {
        "url": "https://example.gov.cn/mhx_myzgd_article.html",
        "encoding": "utf-8",
        "title": "黄坤明会见香港传媒高层人士大湾区参访团",
        "pub_date": "2023-02-25",
        "date_source": "visible",
        "meta_pubdate": "2023-02-25",
        "column": "要闻报道",
        "page_type": "article",
        "note": "时间 : 2023-02-25 08:51:32 (spaced colon); <title> suffix separated by &nbsp;.",
    },
    "mhx_nzwjw-beijing_article.html": {
        "url": "https://example.gov.cn/mhx_nzwjw-beijing_article.html",
        "encoding": "utf-8",
        "title": "李奕主任出席京港大学联盟2023年理事会暨主题论坛",
        "pub_date": "2023-11-30",
        "date_source": "visible",
        "meta_pubdate": "2023-11-30",
        "column": "教育新闻",
        "page_type": "article",
        "note": "meta PubDate '2023-11-30  14:52' has a double space.",
    },
    "mhx_qzhxiangtan_article.html": {
        "url": "http://www.xiangtan.gov.cn/109/171/174/content_1335045.html",
        "encoding": "utf-16",
        "title": "“从齐白石故乡吹来的风”书画展亮相澳门",
        "pub_date": "2024-09-30",
        "date_source": "visible",
        "meta_pubdate": "2024-09-30",
        "column": "部门动态",
        "page_type": "article",
        "note": "UTF-16LE with BOM but declares charset=gb2312.",
    },
    "mhx_tqjsjz_article.html": {
        "url": "https://example.gov.cn/mhx_tqjsjz_article.html",
        "encoding": "utf-8",
        "title": "第二届全国中山篆书法篆刻大展征稿",
        "pub_date": "2024-07-02",
        "date_source": "visible",
        "meta_pubdate": "2024-07-02",
        "column": "本市要闻",
        "page_type": "article",
        "note": "ColumnName meta is '2024' (a year archive folder) and the breadcrumb "
        "首页>>综合要闻>>本市要闻>>2024 ends with it; the column a reader cites is 本市要闻. Body "
        "deadline 2024年9月30日 is newer than the publish date.",
    },
    "mhx_wjmoe_article.html": {
        "url": "http://www.moe.gov.cn/srcsite/A12/moe_1407/s3008/202406/t20240613_1135415.html",
        "encoding": "utf-8",
        "title": "教育部办公厅关于举办2024年高校“礼敬中华优秀传统文化”宣传教育活动的通知",
        "pub_date": "2024-06-13",
        "date_source": "visible",
        "meta_pubdate": "2024-06-13",
        "column": "高校校园文化建设",
        "page_type": "article",
        "note": "Catalogue table above the title shows 生成日期 2024-06-04; the 发布日期：2024-06-13 "
        "line sits below the body; signature date 2024年5月30日; h1 split by <br>; breadcrumb "
        "首页>公开 (ColumnName wins).",
    },
    "mhx_xhyshanghai_article.html": {
        "url": "https://example.gov.cn/mhx_xhyshanghai_article.html",
        "encoding": "utf-8",
        "title": "共论出版传媒业高质量发展 第十届上海民进出版传媒论坛在沪召开",
        "pub_date": "2023-08-19",
        "date_source": "visible",
        "meta_pubdate": "2023-08-19",
        "column": "上海要闻",
        "page_type": "article",
        "note": "Date, source and 字号 controls are inside the h2 heading; meta PubDate uses a "
        "ratio sign '10∶08' for the time.",
    },
    "mhx_ycrjinan_article.html": {
        "url": "http://www.jinan.gov.cn/art/2024/6/19/art_1861_4982441.html",
        "encoding": "utf-8",
        "title": "全市城市更新和乡村振兴现场推进会到高新区历下区考察",
        "pub_date": "2024-06-19",
        "date_source": "visible",
        "meta_pubdate": "2024-06-19",
        "column": "重点关注",
        "page_type": "article",
        "note": "meta name is lower-case 'pubdate'.",
    },
    "mhx_yjywgxj-nc_article.html": {
        "url": "https://example.gov.cn/mhx_yjywgxj-nc_article.html",
        "encoding": "utf-16",
        "title": "市文广新旅局召开2024南昌市文化企业座谈会",
        "pub_date": "2024-01-29",
        "date_source": "visible",
        "meta_pubdate": "2024-01-29",
        "column": "政务动态",
        "page_type": "article",
        "note": "UTF-16LE with BOM, declares charset=unicode; saved through MS Word (mso markup): the "
        "headline is three adjacent spans and the label 发布日期 and ': 2024-01-29' are separate "
        "spans.",
    },
    "mhx_zgy2jyt-ah_article.html": {
        "url": "https://example.gov.cn/mhx_zgy2jyt-ah_article.html",
        "encoding": "utf-8",
        "title": "拨动心弦 守护心灵健康 肥西县举办心理健康教育主题演讲比赛",
        "pub_date": "2023-11-06",
        "date_source": "visible",
        "meta_pubdate": "2023-11-06",
        "column": "基础教育",
        "page_type": "article",
        "note": "ArticleTitle meta has a double space.",
    },
    "mhx_zxwhongshan_article.html": {
        "url": "https://www.hongshan.gov.cn/hsyw/202306/t20230608_2213652.shtml",
        "encoding": "utf-8",
        "title": "武钢云谷·606开园，首批企业签约入驻，洪山区打造产城融合新高地",
        "pub_date": "2023-06-08",
        "date_source": "visible",
        "meta_pubdate": "2023-06-08",
        "column": "洪山要闻",
        "page_type": "article",
        "note": "日期：2023-06-08 17:21.",
    },
    "mhx_zyjhenan_article.html": {
        "url": "https://www.henan.gov.cn/2022/08-11/2559082.html",
        "encoding": "utf-8",
        "title": "在省第十届青年戏剧演员大赛中 许昌市喜获佳绩",
        "pub_date": "2022-08-11",
        "date_source": "visible",
        "meta_pubdate": "2022-08-11",
        "column": "市县",
        "page_type": "article",
        "note": "Date on the line after a bare 时间：; URL pattern /2022/08-11/.",
    },
    "mhx_zysc_article.html": {
        "url": "http://www.sc.gov.cn/10462/10464/10465/10595/2020/9/15/e651244f5f89400a95c651e2f53de7fe.shtml",
        "encoding": "utf-8",
        "title": "绵阳开展“服务企业活动月”系列活动",
        "pub_date": "2020-09-15",
        "date_source": "visible",
        "meta_pubdate": "2022-10-14",
        "column": "市州动态",
        "page_type": "article",
        "note": "meta PubDate 2022-10-14 differs from visible 2020年09月15日 09时32分 (URL agrees "
        "with the visible date).",
    },
}
