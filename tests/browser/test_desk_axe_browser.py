"""Every desk page each role uses passes axe (no serious or critical violation) and
fits a 390 px phone without scrolling sideways, in Debian's chromium (issue #13).

One world (the access matrix's, tests/matrix_fixtures.py, plus an issue in review
with a comment and a comparison against its submission), one login per role, and
for each role one test that visits its pages at 390 px and at 1280 px. A failure
lists every problem as ``page @ width: problem`` (axe rule and target, or the
widest elements when the page scrolls sideways). A wide table inside its own
scrolling region is fine: only the document itself may not be wider than the window.
Polled fragments (a submission's 处理状态) are not pages and are not visited.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from jianbao.bulletins import editing, workflow
from jianbao.bulletins.models import Article
from jianbao.bulletins.workflow import Action
from jianbao.review.services import add_comment
from jianbao.submissions import services as intake
from tests.browser.test_public_axe_browser import (
    DESKTOP,
    PHONE,
    accessibility_problems,
    logged_in_state,
)
from tests.matrix_fixtures import (
    ADMIN,
    EDITOR,
    REVIEWER,
    SIGNER,
    SUBMITTER,
    World,
)
from tests.test_render_html_rich import (
    RICH_TITLE,
    pictures_in,  # noqa: F401  (a fixture)
    stored_rich,  # noqa: F401  (a fixture)
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _compared_issue(world: World):
    """An issue in review whose article came from a submission and was edited since,
    with a reviewer's comment on one passage: the issue page shows the comparison."""
    number, running = editing.next_numbers(world.series, 2024)
    issue = editing.create_issue(
        world.series, year=2024, number=number, running_number=running, by=world.lead_editor
    )
    submission = intake.submit(
        by=world.users[SUBMITTER],
        alliance=world.alliance,
        title="粉末冶金联盟发布7项团体标准",
        body="联盟发布《钼铌合金棒材》等7项团体标准，专家组评审认为标准支撑了领域发展。",
        credit="粉末冶金联盟秘书处",
    )
    article = intake.accept_into(
        submission,
        issue=issue,
        section=issue.sections.order_by("position").first(),
        by=world.lead_editor,
    )
    editing.update_article(
        article,
        by=world.lead_editor,
        title=article.title,
        body="联盟在北京发布《钼铌合金棒材》等7项团体标准，专家组评审认为这批标准支撑了领域发展。",
        credit=article.credit,
    )
    issue = workflow.transition(issue, Action.SUBMIT, by=world.lead_editor)
    comment = add_comment(article, by=world.lead_reviewer, text="请核对地点", passage="在北京")
    return issue, article, comment


def _imported_issue():
    """An imported scan with an unsure OCR line, an article without a credit and a gap."""
    import dataclasses

    from jianbao.catalogue.services import import_bulletin
    from jianbao.publishing.ingest.text import parse_bulletin_text
    from jianbao.publishing.parsed import OcrLine, OcrPage
    from tests.browser.test_import_review_browser import SCAN

    parsed = parse_bulletin_text(SCAN.replace("（化纤联盟秘书处供稿）", ""), source="scan.pdf")
    line = OcrLine(page=1, text="培训由联盟协发冈秘书处支持", confidence=50.0)
    parsed = dataclasses.replace(parsed, ocr_pages=(OcrPage(1, 80.0, (line,)),))
    return import_bulletin(parsed, source_name="scan.pdf").issue


@pytest.fixture
def desk_world(stored_rich):  # noqa: F811
    rich_issue, _ = stored_rich
    rich = Article.objects.get(title=RICH_TITLE)
    world = World()
    compared, compared_article, comment = _compared_issue(world)
    editing_issue = world.editing_issue
    published = world.published_issue
    signing = world.signing_issue
    world.review_issue  # noqa: B018  (built: the 工作台 lists an issue in every state)
    returned = workflow.transition(
        world._issue("editing", year=2027),
        Action.SUBMIT,
        by=world.lead_editor,
    )
    returned = workflow.transition(
        returned, Action.RETURN, by=world.lead_reviewer, comment="请补充第二篇的时间和地点"
    )
    world.returned_issue = returned
    # Files not read yet: the page says it is being processed.
    processing = intake.submit(
        by=world.users[SUBMITTER],
        alliance=world.alliance,
        title="处理中的来稿",
        body="正文。",
        credit="",
        files=[("通知.pdf", b"%PDF-1.4 not read yet")],
    )
    recipient = world.new_recipient
    notice = world.open_notice
    world.submission  # noqa: B018
    world.attachment  # noqa: B018
    application = world.submitted_application
    world.review_application  # noqa: B018
    world.profile_change  # noqa: B018
    own_application = world.own_submitted_application

    def rev(name, *args, query=""):
        return reverse(name, args=args) + (f"?{query}" if query else "")

    article = world.article_of(editing_issue)
    section = editing_issue.sections.order_by("position").first()
    # Something to undo: an article deleted, and one moved to the next section.
    me = world.users[EDITOR]
    doomed = editing.add_article(editing_issue, section, by=me, title="删除的稿件", body="删。")
    doomed_id = doomed.pk
    editing.delete_article(doomed, by=me)
    editing.move_article(
        world.article_of(editing_issue, 1),
        by=me,
        section=editing_issue.sections.order_by("position")[1],
        position=0,
    )
    issue_pages = {
        "工作台": rev("desk:home"),
        "各期简报": rev("desk:issues"),
        "期次（编辑中）": rev("desk:issue", editing_issue.pk),
        "期次（待审核，有意见和对比）": rev("desk:issue", compared.pk),
        "期次（已发布）": rev("desk:issue", published.pk),
        "预览": rev("desk:preview", editing_issue.pk),
        "修改记录（来稿、修改和意见）": rev(
            "desk:article_history", compared.pk, compared_article.pk
        ),
        "修改记录（已删除）": rev("desk:article_history", editing_issue.pk, doomed_id),
    }
    imported = _imported_issue()
    issue_pages["往期导入"] = rev("catalogue:reports")
    issue_pages["导入报告"] = rev("catalogue:report", imported.pk)
    pages = {
        EDITOR: {
            **issue_pages,
            "导入核对（勘误页）": rev(
                "desk:article_correct", imported.sections.first().articles.first().pk
            ),
            "新建一期": rev("desk:issue_new"),
            "期次（退回修改）": rev("desk:issue", returned.pk),
            "编辑冲突": rev("desk:article_edit", world.article_of(returned).pk, query="plain=1"),
            "期次（图片和表格）": rev("desk:issue", rich_issue.pk),
            "预览（图片和表格）": rev("desk:preview", rich_issue.pk),
            "勘误（图片和表格）": rev("desk:article_correct", rich.pk),
            "勘误（图片和表格，纯文本）": rev("desk:article_correct", rich.pk, query="plain=1"),
            "发布（图片和表格）": rev("distribution:publishing", rich_issue.pk),
            "微信版预览": rev("distribution:wechat", rich_issue.pk),
            "编辑稿件（富文本）": rev("desk:article_edit", article.pk),
            "编辑稿件（纯文本）": rev("desk:article_edit", article.pk, query="plain=1"),
            "新增稿件": rev("desk:article_new", section.pk),
            "导读": rev("desk:toc", editing_issue.pk),
            "添加栏目": rev("desk:section_add", editing_issue.pk),
            "栏目改名": rev("desk:section_rename", section.pk),
            "勘误": rev("desk:article_correct", world.article_of(world.signed_issue).pk),
            "勘误记录": rev("desk:revision", world.revision.pk),
            "答复意见": rev("desk:review_comment_answer", comment.pk),
            "来稿队列": rev("submissions:queue"),
            "来稿": rev("submissions:detail", world.submission.pk),
            "来稿（有附件）": rev("submissions:detail", world.attachment.submission_id),
            "批量采用": rev(
                "submissions:batch_accept",
                query=f"issue={editing_issue.pk}&item={world.submission.pk}",
            ),
            "报送名单": rev("distribution:lists"),
            "名单": rev("distribution:list", recipient.distribution_list_id),
            "收件人": rev("distribution:recipient_edit", recipient.pk),
            "发布": rev("distribution:publishing", published.pk),
            "本期发送范围": rev("distribution:audience", published.pk),
            "发送记录": rev("distribution:issue", published.pk),
            "联盟名录": rev("network:registry"),
            "联盟": rev("network:alliance", world.alliance.pk),
            "资料变更": rev("network:profile_changes"),
            "网员申请": rev("network:applications"),
            "申请": rev("network:application", application.pk),
            "新建公示": rev("network:notice_new"),
            "公示处理": rev("network:notice_desk", notice.pk),
            "统计": rev("network:statistics"),
        },
        REVIEWER: {
            **issue_pages,
            "期次（待审核）": rev("desk:issue", compared.pk),
            "提出意见": rev("desk:review_comment_add", compared_article.pk),
        },
        SIGNER: {
            **issue_pages,
            "期次（待签发）": rev("desk:issue", signing.pk),
            "发布": rev("distribution:publishing", published.pk),
            "本期发送范围": rev("distribution:audience", published.pk),
            "发送记录": rev("distribution:issue", published.pk),
        },
        SUBMITTER: {
            "投稿": rev("submissions:new"),
            "我的投稿": rev("submissions:mine"),
            "来稿": rev("submissions:detail", world.submission.pk),
            "修改来稿": rev("submissions:revise", world.submission.pk),
            "来稿（处理中）": rev("submissions:detail", processing.pk),
            "申请网员": rev("network:apply"),
            "本联盟": rev("network:alliance", world.alliance.pk),
            "网员申请": rev("network:application", own_application.pk),
        },
        ADMIN: {
            "简报设置": rev("desk:series"),
            "编辑简报设置": rev("desk:series_edit", world.series.pk),
            "名称合并": rev("network:merges"),
            "网员申请": rev("network:applications"),
            "联盟名录": rev("network:registry"),
        },
    }
    return world, pages


_OPEN_DETAILS = """() => {
  const closed = [...document.querySelectorAll("details:not([open])")];
  closed.forEach(d => { d.open = true; });
  return closed.length;
}"""

# What a page must show for its check to mean something (the world is as described);
# "role:page" for one role only.
SHOWS = {
    "期次（待审核，有意见和对比）": ["details.diff .inline-diff ins.diff-ins", "text=请核对地点"],
    "期次（编辑中）": ["text=editing稿甲", "text=editing稿乙"],
    f"{EDITOR}:期次（编辑中）": ["text=删除的稿件", "text=刚才把"],
    "编辑稿件（纯文本）": ["textarea"],
    "期次（退回修改）": ["text=请补充第二篇的时间和地点"],
    f"{EDITOR}:工作台": ["text=请补充第二篇的时间和地点"],
    "预览（图片和表格）": ["table", "img"],
    "来稿（有附件）": ["text=通知.pdf"],
    "来稿（处理中）": ["#processing"],
    "修改记录（来稿、修改和意见）": ["text=收到投稿", "text=请核对地点"],
    "修改记录（已删除）": ["text=删除的稿件", "text=删除文章"],
}

# Rules checked at every impact on the pages named: axe calls a skipped heading level
# and content outside any landmark moderate, so the serious/critical filter above
# would let them back in. The previews are whole documents of their own.
STRICT_RULES = ("heading-order", "landmark-one-main", "region")
STRICT_PAGES = {
    "往期导入",
    "导入报告",
    "预览",
    "预览（图片和表格）",
    "微信版预览",
    "勘误记录",
    "修改记录（来稿、修改和意见）",
    "修改记录（已删除）",
}
EVERY_IMPACT = ("minor", "moderate", "serious", "critical")


def strict_problems(page, rules=STRICT_RULES) -> list[str]:
    """Violations of ``rules`` at any impact ("axe moderate heading-order: …" lines)."""
    return [
        problem
        for problem in accessibility_problems(page, impacts=EVERY_IMPACT)
        if problem.startswith("axe ") and problem.split()[2].rstrip(":") in rules
    ]


# Sends the page's main form with its text fields emptied, past the browser's own
# checks, so the page comes back with its errors beside the fields.
_SEND_EMPTY = """() => {
  const forms = [...document.querySelectorAll("main form[method=post]")];
  const form = forms.sort((a, b) => b.elements.length - a.elements.length)[0];
  if (!form) return false;
  form.noValidate = true;
  for (const field of form.querySelectorAll(
      "input[type=text], input[type=number], input[type=email], input[type=date], "
      + "input[type=url], input:not([type]), textarea")) {
    field.value = "";
  }
  form.querySelectorAll("[data-confirm]").forEach(e => e.removeAttribute("data-confirm"));
  form.requestSubmit();
  return true;
}"""

# Forms checked once more as they come back with errors.
WITH_ERRORS = {
    "新建一期",
    "添加栏目",
    "栏目改名",
    "编辑稿件（富文本）",
    "编辑稿件（纯文本）",
    "新增稿件",
    "勘误",
    "答复意见",
    "提出意见",
    "收件人",
    "投稿",
    "修改来稿",
    "申请网员",
    "编辑简报设置",
    "新建公示",
}


def _save_over_another_editor(page, world) -> str:
    """Somebody else saves the article while this page is open; then this page saves."""
    article = world.article_of(world.returned_issue)
    article.refresh_from_db()
    editing.update_article(
        article,
        by=world.lead_editor,
        title=article.title,
        body="主编同时改过的第一段，比原来长了许多，也换了说法。",
        credit=article.credit,
    )
    page.fill("textarea[name=body]", "这位编辑改过的第一段。")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    return "编辑冲突"


# Pages checked once more after something happens on them: name → what happens.
AFTERWARDS = {"编辑冲突": _save_over_another_editor}


def check_role(browser, base_url, world, role, pages, shows=SHOWS) -> None:
    state = logged_in_state(browser, base_url, world.users[role].username)
    found = []
    for width in (PHONE, DESKTOP):
        context = browser.new_context(
            viewport={"width": width, "height": 900},
            locale="zh-CN",
            bypass_csp=True,
            storage_state=state,
        )
        try:
            page = context.new_page()
            for name, path in pages.items():
                response = page.goto(base_url + path)
                where = f"{name} ({path}) @ {width} px"
                if response is None or not response.ok or "/accounts/login/" in page.url:
                    found.append(f"{where}: not shown ({response and response.status}, {page.url})")
                    continue
                for selector in [*shows.get(name, ()), *shows.get(f"{role}:{name}", ())]:
                    if page.locator(selector).count() == 0:
                        found.append(f"{where}: does not show {selector}")
                found += [f"{where}: {problem}" for problem in accessibility_problems(page)]
                if name in STRICT_PAGES:
                    found += [f"{where}, 严格: {problem}" for problem in strict_problems(page)]
                # What is folded away (inline forms, comparisons, history) is checked too.
                if page.evaluate(_OPEN_DETAILS):
                    found += [
                        f"{where}, 展开全部: {problem}" for problem in accessibility_problems(page)
                    ]
                if name in AFTERWARDS:
                    happened = AFTERWARDS[name](page, world)
                    if not page.locator(".conflict").count():
                        found.append(f"{where}, {happened}: no conflict shown")
                    found += [
                        f"{where}, {happened}: {problem}"
                        for problem in accessibility_problems(page)
                    ]
                if name in WITH_ERRORS:
                    with page.expect_navigation():
                        assert page.evaluate(_SEND_EMPTY), f"{where}: no form"
                    if not page.locator(".errorlist").count():
                        found.append(f"{where}: an empty form came back without errors")
                    found += [
                        f"{where}, 出错后: {problem}" for problem in accessibility_problems(page)
                    ]
        finally:
            context.close()
    print("\n".join(found) or f"{role}: no accessibility problems")
    assert not found, "\n" + "\n".join(found)


@pytest.mark.parametrize("role", [EDITOR, REVIEWER, SIGNER, SUBMITTER, ADMIN])
def test_desk_pages_pass_axe_and_fit_a_phone(live_server, browser, desk_world, role):
    world, pages = desk_world
    # A misspelt name would leave a page out of the strict check without a word.
    assert {name for visited in pages.values() for name in visited} >= STRICT_PAGES
    check_role(browser, live_server.url, world, role, pages[role])
