"""Issue #14's Done-when, on the sample issue as stored.

`jianbao proof 2023-1 --format json` reports at least 25 real problems of the
issue's kinds, and at most one finding in ten is not one of them. The real
problems are written out here by hand, each judged on the sample's text (see
docs/proofing-sample.md for the reasons); a finding that is not on the list
counts as false until someone judges it and adds it.
"""

import datetime as dt
import json
from collections import Counter

import pytest

from jianbao.proofing import dictionary
from jianbao.proofing.checker import proof
from jianbao.proofing.context import Alliance, Numbering, ProofContext
from tests.conftest import FIXTURE
from tests.proofing.test_accepted_forms import accepted_bulletin

pytestmark = pytest.mark.django_db

# (where, rule, quote), once per occurrence.
REAL = [
    # 导读 against the body
    (
        "第3篇 导读标题",
        "toc.title_mismatch",
        "科技部党组传达学习贯彻习近平总书记在两会上的重要讲话精神",
    ),
    ("第3栏目 栏目名“导读”", "toc.section_mismatch", "试点联盟及协发网网员单位动态"),
    # Half-width brackets in an address
    ("版记“联络组地址”", "punct.halfwidth", "(南院)"),
    # Fixed formulations and usage
    ("第4篇 正文第1段", "usage.formulation", "党中央国务院"),
    ("第8篇 正文第1段", "usage.word", "扶植"),
    ("第10篇 正文第2段", "usage.word", "做出"),
    ("第17篇 正文第1段", "usage.word", "国际标准化组织"),  # IEC/TC44 is 国际电工委员会's
    ("第25篇 标题", "usage.word", "ASILD"),
    ("第25篇 正文第1段", "usage.word", "ASILD"),
    ("第25篇 正文第1段", "usage.word", "ASILD"),
    # Alliance names
    ("第5篇 正文第1段", "name.variant", "快堆产业化技术创新战略联盟"),
    ("第5篇 正文第1段", "name.variant", "快堆产业联盟"),
    ("第5篇 正文第1段", "name.variant", "快堆产业联盟"),
    ("第10篇 供稿行", "name.credit_mismatch", "应急装备产业技术创新战略联盟"),
    ("第12篇 供稿行", "name.credit_mismatch", "第三代半导体照明产业技术创新战略联盟"),
    ("第12篇 正文第1段", "name.variant", "第三代半导体照明产业技术创新战略联盟"),
    # GB/T 15834 marks and designators
    ("第6篇 标题", "dash.range", "2023-2025"),
    ("第6篇 正文第1段", "dash.range", "2023-2025"),
    ("第14篇 正文第2段", "space.designator", "TC300"),
    ("第17篇 正文第1段", "space.designator", "TC44"),
    # Repeats, totals, 年/年度
    ("第19篇 正文第1段", "word.doubled", "联盟联盟"),
    ("第12篇 正文第1段", "count.sum", "共计27"),  # 13 + 7 + 3 = 23
    ("第24篇 标题", "date.year_form", "2022年"),
    # Structure: 报/送 in standard short names, short forms defined
    ("版记“报”", "colophon.standard_name", "人力资源和社会保障部"),
    ("第21篇 正文第1段", "abbr.undefined", "中国肉类食品综合研究中心"),
    ("第24篇 正文第1段", "abbr.undefined", "广东腐蚀科学与技术创新研究院"),
]


@pytest.fixture
def findings(cli):
    assert cli("import", "-q", str(FIXTURE)).status == 0
    result = cli("proof", "2023-1", "--format", "json")
    assert result.status == 1  # there are errors
    return json.loads(result.stdout)["findings"]


def test_the_real_list_has_at_least_25_problems_of_the_issue_s_kinds():
    assert len(REAL) >= 25
    families = {rule.split(".")[0] for _, rule, _ in REAL}
    assert families >= {"toc", "punct", "usage", "name", "dash", "space", "word", "colophon"}


def test_every_real_problem_of_the_sample_is_found(findings):
    found = Counter((f["where"]["label"], f["rule"], f["quote"]) for f in findings)
    missed = Counter(REAL) - found
    assert not missed, f"not found: {sorted(missed.elements())}"


def test_at_most_one_finding_in_ten_is_not_a_real_problem(findings):
    found = Counter((f["where"]["label"], f["rule"], f["quote"]) for f in findings)
    false = found - Counter(REAL)
    assert sum(false.values()) * 10 <= len(findings), f"not judged real: {sorted(false)}"


def test_each_finding_on_the_sample_quotes_stored_text_with_its_context(findings):
    for f in findings:
        assert f["message"] and f["severity"] in ("错误", "建议", "提示")
        if f["suggestion"] is not None:
            assert f["suggestion"] != f["quote"]
    [zuochu] = [f for f in findings if f["quote"] == "做出"]
    assert (zuochu["before"][-4:], zuochu["after"][:4]) == ("事业发展", "的贡献和")


def test_the_accepted_forms_give_no_finding_with_the_whole_context():
    context = ProofContext(
        as_of=dt.date(2023, 3, 20),
        dictionary=dictionary.shipped(),
        alliances=(
            Alliance("WAPI产业技术创新战略联盟", ("WAPI联盟",)),
            Alliance("太阳能光热产业技术创新战略联盟", ("太阳能光热联盟",)),
            Alliance("粉末冶金产业技术创新战略联盟", ("粉末冶金联盟",)),
        ),
        series_sections=("重要政策动态",),
        distribution={"报": ("科技部", "发展改革委"), "送": ("各试点产业技术创新战略联盟",)},
        previous=Numbering(2022, 8, 65),
        signed_on=dt.date(2023, 3, 20),
    )
    assert [f.line() for f in proof(accepted_bulletin(), context)] == []
