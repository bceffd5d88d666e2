"""The accepted forms of issue #14: a bulletin made of them gives no finding at all.

Quotes and slogans, standard designators, phone numbers, fixed phrases with
Chinese numerals, document titles side by side, the joint issuers and the
masthead are what a naive checker flags and the office writes on purpose.
"""

from __future__ import annotations

import datetime as dt

import pytest

from jianbao.proofing.checker import proof
from jianbao.proofing.context import ProofContext
from jianbao.proofing.rules import marks, numbers, punctuation, repeats, spaces
from jianbao.publishing.parsed import (
    ContactItem,
    ParsedArticle,
    ParsedBulletin,
    ParsedSection,
    paragraph,
)

QUOTES = (
    "本次会议以“数字引擎 智慧未来”为主题，以“绿色”“智能化”为主题开展研讨。",
    "部系统全体干部要深刻领悟“两个确立”的决定性意义，增强“四个意识”、坚定“四个自信”，"
    "以实际行动做到“两个维护”。",
)
DESIGNATORS = (
    "WAPI产业技术创新战略联盟组织专家参加ISO/IEC JTC 1/SC 6/WG 7中期会议，"
    "对ISO/IEC 4396系列标准项目的意见进行处理。",
    "上海电驱动股份有限公司的产品通过ISO 26262功能安全认证；公文格式依据GB/T 9704—2012，"
    "旧文本作GB/T 9704-2012，标点依据GB/T 15834-2011，数字依据GB/T 15835-2011；"
    "ISO/TC 300和IEC/TC 44的专家参加交流。",
)
PHONES = ("联系电话：010-68598000，010-62184883，传真：010-65987533。",)
FIXED_PHRASES = (
    "“十四五”期间，太阳能光热产业技术创新战略联盟举办2022（第十六届）中国太阳能热发电大会，"
    "推进“一带一路”建设，做好“三农”工作，全面贯彻党的二十大精神。",
    "会议发布了一系列成果，评选出2022年度十佳绿色低碳技术和“双十佳”成果，三四个单位、"
    "十几家企业参加，再生资源产业技术创新战略联盟三届二次理事会同期召开。",
    "由北京林业大学牵头组织的“十三五”国家重点研发计划项目通过验收，"
    "菌种在经历了183天的神舟十四号载人飞船搭载后顺利返回。",
)
TITLES_SIDE_BY_SIDE = (
    "会议审议通过了《中华人民共和国立法法（修正草案）》《国务院机构改革方案》，"
    "审议批准了《政府工作报告》和其他报告。",
    "粉末冶金产业技术创新战略联盟发布《增材制造金属制件热等静压处理规程》"
    "《外科植入物用3D打印TC4粉末》《铁基粉末冶金零件用渗铜粉》《钼铌合金棒材》等7项团体标准。",
)
RIGHT_ALREADY = (
    "3月13日，科技部党组召开会议；2023年3月14日，专家委员会召开第一次会议，"
    "落实《科技支撑碳达峰碳中和实施方案（2022—2030年）》，每组3～5家单位，投资9亿～16亿元，"
    "增长15%～30%，共吸引了2000余人。",
    "这个问题要研究研究，大家看看，常常交流，人人参与，一一落实。",
    "会议还设置了“无废城市”建设与再生资源发展潜力；清洁能源固废资源化；"
    "技术标准助力固废资源化碳达峰碳中和等3个专题，邀请了30位知名专家和企业对话交流。",
)


def accepted_bulletin() -> ParsedBulletin:
    article = ParsedArticle(
        # The joint issuers, as the office writes joint documents.
        title="中共中央 国务院印发《党和国家机构改革方案》",
        blocks=tuple(
            paragraph(text)
            for text in (
                *QUOTES,
                *DESIGNATORS,
                *PHONES,
                *FIXED_PHRASES,
                *TITLES_SIDE_BY_SIDE,
                *RIGHT_ALREADY,
            )
        ),
        credit="联盟试点工作联络组办公室供稿",
    )
    return ParsedBulletin(
        # The masthead, letter-spaced as printed.
        series_title="产业技术创新战略联盟试点工作　简　报",
        series_name="简报",
        office="联盟试点工作联络组办公室",
        year=2023,
        number=1,
        running_number=66,
        date=dt.date(2023, 3, 20),
        sections=(ParsedSection("重要政策动态", (article,)),),
        distribution={"报": ("科技部", "发展改革委"), "送": ("各试点产业技术创新战略联盟",)},
        editor="杨丹泽",
        reviewer="尚辉良",
        signer="李新男",
        contacts=(
            ContactItem(
                "联络组地址", "北京市海淀区学院南路76号（南院）新材料大楼902", "address", 0
            ),
            ContactItem("电话", "010-62184883", "phone", 0),
        ),
    )


@pytest.mark.parametrize(
    "module", [spaces, punctuation, marks, numbers, repeats], ids=lambda m: m.__name__
)
def test_no_text_rule_flags_an_accepted_form(module):
    found = [f.line() for f in module.check(accepted_bulletin(), ProofContext())]
    assert found == []


def test_the_whole_proofing_pass_says_nothing_about_the_accepted_forms():
    context = ProofContext(as_of=dt.date(2023, 3, 20))
    assert [f.line() for f in proof(accepted_bulletin(), context)] == []
