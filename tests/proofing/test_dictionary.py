"""The shipped proofing dictionary, and the office's entries laid over it."""

import datetime as dt

from jianbao.proofing import dictionary
from jianbao.proofing.context import EXCEPTION, FORMULATION, NAME, USAGE, Entry, ProofContext
from jianbao.proofing.models import DictionaryEntry


def shipped(kind, term):
    return [e for e in dictionary.shipped() if e.kind == kind and e.term == term]


def test_the_shipped_file_holds_the_usage_pairs_of_the_issue():
    [zuochu] = [e for e in dictionary.shipped() if e.kind == USAGE and e.term.startswith("做出…")]
    assert zuochu.replacement.startswith("作出…{贡献|决定|")
    assert zuochu.note
    [fuzhi] = shipped(USAGE, "扶植")
    assert (fuzhi.replacement, fuzhi.severity) == ("扶持", "建议")
    [jiezhi] = shipped(USAGE, "截止{时间}")
    assert jiezhi.replacement == "截至{时间}"


def test_the_shipped_file_holds_formulations_and_the_joint_issuer_exception():
    assert shipped(FORMULATION, "党中央、国务院")
    assert shipped(FORMULATION, "习近平新时代中国特色社会主义思想")
    assert shipped(EXCEPTION, "中共中央 国务院")


def test_a_name_entry_gives_its_full_name_and_its_informal_forms_the_standard_short_name():
    [full] = shipped(NAME, "国家发展和改革委员会")
    [informal] = shipped(NAME, "国家发改委")
    assert full.replacement == informal.replacement == "国家发展改革委"
    assert dictionary.is_full_name(full)
    assert not dictionary.is_full_name(informal)
    # Full and short names alike: no entry that would flag 工业和信息化部 itself.
    assert shipped(NAME, "工业和信息化部") == []
    assert shipped(NAME, "工信部")[0].replacement == "工业和信息化部"


def test_a_renamed_department_carries_the_day_its_old_name_went_out_of_use():
    [entry] = shipped(NAME, "银保监会")
    assert entry.valid_from == dt.date(2023, 5, 18)
    assert entry.severity == "错误"
    assert not dictionary.is_full_name(entry)  # 金融监管总局 is a new name, not a shortening
    assert entry not in ProofContext(as_of=dt.date(2023, 3, 20), dictionary=(entry,)).entries(NAME)
    assert entry in ProofContext(as_of=dt.date(2023, 5, 18), dictionary=(entry,)).entries(NAME)


def test_a_full_name_is_a_name_whose_replacement_leaves_characters_out():
    assert dictionary.is_full_name(Entry(NAME, "人力资源和社会保障部", "人力资源社会保障部"))
    assert dictionary.is_full_name(Entry(NAME, "中国科学院", "中科院"))
    assert not dictionary.is_full_name(Entry(NAME, "人社部", "人力资源社会保障部"))
    assert not dictionary.is_full_name(Entry(NAME, "环境保护部", "生态环境部"))
    assert not dictionary.is_full_name(Entry(USAGE, "人力资源和社会保障部", "人力资源社会保障部"))


def test_the_shipped_file_is_read_once():
    assert dictionary.shipped() is dictionary.shipped()


def test_parse_reads_dates_severities_and_skips_a_full_name_equal_to_its_short_name():
    entries = dictionary.parse(
        """
[[name]]
full = "生态环境部"
short = "生态环境部"
informal = ["环保部"]
valid_from = 2018-04-16
severity = "错误"

[[usage]]
term = "启动"
replacement = "起动"
valid_until = "2020-01-01"
"""
    )
    assert entries == (
        Entry(USAGE, "启动", "起动", valid_until=dt.date(2020, 1, 1)),
        Entry(
            NAME,
            "环保部",
            "生态环境部",
            note="规范名称为“生态环境部”",
            valid_from=dt.date(2018, 4, 16),
            severity="错误",
        ),
    )


# --- The office's entries ------------------------------------------------------


def row(kind, term, replacement="", active=True, **fields):
    # Unsaved: merge reads the fields only.
    return DictionaryEntry(
        kind=kind, term=term, replacement=replacement, is_active=active, **fields
    )


def test_an_office_entry_with_a_shipped_term_replaces_it():
    merged = dictionary.merge(
        dictionary.shipped(), [row(USAGE, "扶植", "支持", note="本刊用“支持”")]
    )
    [entry] = [e for e in merged if e.kind == USAGE and e.term == "扶植"]
    assert (entry.replacement, entry.note, entry.severity) == ("支持", "本刊用“支持”", "")


def test_an_inactive_office_entry_switches_the_shipped_one_off():
    merged = dictionary.merge(dictionary.shipped(), [row(USAGE, "扶植", "扶持", active=False)])
    assert not [e for e in merged if e.term == "扶植"]
    assert len(merged) == len(dictionary.shipped()) - 1


def test_office_entries_of_their_own_are_added_with_their_dates():
    merged = dictionary.merge(
        dictionary.shipped(),
        [
            row(NAME, "协发网", "联盟协发网", valid_from=dt.date(2023, 1, 1)),
            row(EXCEPTION, "数字引擎 智慧未来"),
        ],
    )
    assert Entry(NAME, "协发网", "联盟协发网", valid_from=dt.date(2023, 1, 1)) in merged
    assert Entry(EXCEPTION, "数字引擎 智慧未来") in merged
    assert set(dictionary.shipped()) < set(merged)


def test_an_office_entry_of_another_kind_leaves_the_shipped_term_alone():
    merged = dictionary.merge(dictionary.shipped(), [row(EXCEPTION, "扶植")])
    assert shipped(USAGE, "扶植")[0] in merged
