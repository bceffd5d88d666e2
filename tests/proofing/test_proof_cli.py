"""``jianbao proof ISSUE|FILE``: findings as lines or JSON, and exit status 0, 1 or 2."""

import json

import pytest

from tests.conftest import FIXTURE

pytestmark = pytest.mark.django_db

# A small bulletin in the text form the importer reads, with one finding put in.
CLEAN = """# 产业技术创新战略联盟试点工作

## 简 报

2023年第2期（总第67期）

联盟试点工作联络组办公室

2023年4月20日

### 本期导读

#### 重要政策动态

- 粉末冶金联盟召开理事会

## ➤ 重要政策动态

### 粉末冶金联盟召开理事会

粉末冶金产业技术创新战略联盟理事会日前在京召开。会议{body}

（粉末冶金产业技术创新战略联盟秘书处供稿）

报：科技部、财政部

送：各试点产业技术创新战略联盟

---

本期编辑：杨丹泽

审核：尚辉良

签发：李新男
"""


def bulletin_file(tmp_path, body, name="2023-02.md"):
    path = tmp_path / name
    path.write_text(CLEAN.format(body=body), encoding="utf-8")
    return path


def test_the_sample_in_text_is_a_line_per_finding_and_a_count_and_exits_1(cli):
    assert cli("import", "-q", str(FIXTURE)).status == 0
    result = cli("proof", "2023-1")
    assert result.status == 1
    lines = result.stdout.strip().splitlines()
    assert "第8篇 正文第1段：usage.word：" in result.stdout
    [fuzhi] = [line for line in lines if "（“扶植”）" in line]
    assert fuzhi.startswith("第8篇 正文第1段：usage.word：") and fuzhi.endswith(" → 扶持")
    assert "第3篇 导读标题：toc.title_mismatch：导读中的标题与文章标题不一致" in result.stdout
    assert lines[-1].startswith(f"2023年第1期（总第66期）：共 {len(lines) - 1} 条（错误 ")
    assert result.stderr == ""


def test_the_sample_in_json_is_an_object_with_counts_and_findings(cli):
    cli("import", "-q", str(FIXTURE))
    result = cli("proof", "2023-1", "--format", "json")
    assert result.status == 1
    data = json.loads(result.stdout)
    assert (data["bulletin"], data["source"]) == ("2023年第1期（总第66期）", "2023-1")
    findings = data["findings"]
    assert set(data["counts"]) == {"错误", "建议", "提示"}
    assert sum(data["counts"].values()) == len(findings)
    assert data["counts"]["错误"] == sum(f["severity"] == "错误" for f in findings) > 0
    [credit] = [f for f in findings if f["rule"] == "name.credit_mismatch" and "应急" in f["quote"]]
    assert credit["quote"] == "应急装备产业技术创新战略联盟"
    assert credit["suggestion"] == "应急救援装备产业技术创新战略联盟"
    assert credit["where"]["part"] == "credit" and credit["where"]["article"] == 10
    assert isinstance(credit["where"]["article_id"], int)
    assert set(credit) >= {
        "rule",
        "severity",
        "message",
        "where",
        "quote",
        "before",
        "after",
        "key",
    }
    # Most serious first.
    order = ["错误", "建议", "提示"]
    assert [order.index(f["severity"]) for f in findings] == sorted(
        order.index(f["severity"]) for f in findings
    )


def test_an_issue_by_its_running_number_gives_the_same_findings(cli):
    cli("import", "-q", str(FIXTURE))
    by_key = json.loads(cli("proof", "2023-1", "--format", "json").stdout)["findings"]
    by_running = json.loads(cli("proof", "66", "--format", "json").stdout)["findings"]
    assert by_key == by_running


def test_a_file_with_only_advice_exits_0(cli, tmp_path):
    path = bulletin_file(tmp_path, "研究了对会员单位的扶植措施。")
    result = cli("proof", str(path))
    assert result.status == 0, result.stdout
    lines = result.stdout.strip().splitlines()
    assert lines == [
        "第1篇 正文第1段：usage.word：政策、项目的支持用“扶持”；“扶植”指培植，多含贬义（扶植亲信）"
        "（“扶植”） → 扶持",
        "2023年第2期（总第67期）：共 1 条（错误 0 条，建议 1 条，提示 0 条）",
    ]


def test_a_file_with_an_error_exits_1(cli, tmp_path):
    path = bulletin_file(tmp_path, "对行业发展做出的贡献给予肯定。")
    result = cli("proof", str(path), "--format", "json")
    assert result.status == 1
    data = json.loads(result.stdout)
    assert data["source"] == str(path)
    assert [(f["rule"], f["quote"], f["suggestion"]) for f in data["findings"]] == [
        ("usage.word", "做出", "作出")
    ]


def test_a_clean_file_says_so_and_exits_0(cli, tmp_path):
    result = cli("proof", str(bulletin_file(tmp_path, "审议通过了年度工作报告。")))
    assert (result.status, result.stdout.strip()) == (0, "2023年第2期（总第67期）：未发现问题")


def test_a_file_is_checked_even_with_no_archive_set_up(cli, tmp_path):
    # The registry is empty and there are no series sections: only the text is checked.
    result = cli("proof", str(bulletin_file(tmp_path, "研究了扶植措施。")), "--format", "json")
    assert result.status == 0
    assert json.loads(result.stdout)["counts"] == {"错误": 0, "建议": 1, "提示": 0}


def test_an_unknown_issue_is_one_line_and_exit_2(cli):
    result = cli("proof", "1999-9")
    assert result.status == 2
    assert result.stdout == ""
    assert result.stderr.strip() == "jianbao proof：归档中没有 1999-9 这一期"


def test_a_missing_file_is_one_line_naming_it_and_exit_2(cli, tmp_path):
    path = tmp_path / "missing.md"
    result = cli("proof", str(path))
    assert result.status == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"jianbao proof：{path}：无法打开文件")


def test_a_file_that_is_no_bulletin_is_one_line_and_exit_2(cli, tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text("关于召开会议的通知\n\n各单位：\n", encoding="utf-8")
    result = cli("proof", str(path))
    assert result.status == 2
    [line] = result.stderr.strip().splitlines()
    assert str(path) in line and "没有找到报头" in line
    assert "Traceback" not in result.stderr
