"""网员注册 in a real browser: the sample's sentence, from application to admission."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from jianbao.network import membership
from jianbao.network.models import BodyMember, MembershipApplication, NetworkBody, Organisation
from jianbao.submissions.models import Submission
from tests.factories import AllianceFactory, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_alliance_becomes_a_network_member(
    live_server, login, browser, shoot, tmp_path, settings, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path / "media"
    alliance = AllianceFactory(name="健康建筑产业技术创新战略联盟")
    person("secretariat", "submitter", alliance=alliance, name="秘书处王")
    person("office", "editor", name="杨丹泽")
    committee = NetworkBody.objects.create(
        name="网员审核委员会", kind=NetworkBody.Kind.REVIEW_COMMITTEE
    )
    for username, name in (("expert1", "委员甲"), ("expert2", "委员乙"), ("expert3", "委员丙")):
        BodyMember.objects.create(
            body=committee,
            position=BodyMember.Position.MEMBER,
            person_name=name,
            user=person(username, name=name),
        )
    form_file = tmp_path / "网员注册申请表.pdf"
    form_file.write_bytes(b"%PDF-1.4 application form")
    base = live_server.url

    # 1. The alliance applies, with its particulars and a document.
    page = login("secretariat")
    page.goto(f"{base}/network/applications/new/")
    page.get_by_label("领域或行业").fill("建筑")
    page.get_by_label("理事长单位").fill("中国建筑科学研究院有限公司")
    page.get_by_label("成员单位数").fill("42")
    page.get_by_label("联系人").fill("王芳")
    page.get_by_label("联系邮箱").fill("wang@example.org")
    page.get_by_label("申请说明").fill("联盟自愿申请成为协发网网员。")
    page.set_input_files("#id_documents", str(form_file))
    shoot(page, "membership-apply")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#application-state")).to_have_text("已提交")
    expect(page.get_by_role("link", name="网员注册申请表.pdf")).to_be_visible()
    application_url = page.url

    # 2. The office sends it to the committee.
    office = login("office")
    office.goto(application_url)
    office.get_by_role("button", name="提交委员会审核").click()
    expect(office.locator("#application-state")).to_have_text("委员会审核中")

    # 3. Two of three committee members approve: quorum and majority.
    for username in ("expert1", "expert2"):
        member = login(username)
        member.goto(f"{base}/network/applications/")
        member.get_by_role("link", name="健康建筑产业技术创新战略联盟").first.click()
        member.get_by_label("同意", exact=True).check()
        member.get_by_role("button", name="提交意见").click()
        expect(member.get_by_text("已记录您的审核意见：同意")).to_be_visible()
    office.reload()
    expect(office.locator("#tally")).to_contain_text("同意 2")
    office.get_by_role("button", name="记录委员会审核结论").click()
    expect(office.locator("#application-state")).to_have_text("委员会通过")

    # 4. The council confirms at its meeting.
    office.get_by_label("理事会会议").fill("第二届第三次会议")
    office.get_by_label("会议日期").fill("2023-02-20")
    office.get_by_role("button", name="记录理事会确认").click()
    expect(office.locator("#application-state")).to_have_text("理事会确认")

    # 5. The office publishes the notice for five working days.
    office.get_by_role("link", name="发布公示").click()
    office.get_by_label("健康建筑产业技术创新战略联盟").check()
    office.get_by_role("button", name="发布公示").click()
    expect(office.get_by_text("已发布公示")).to_be_visible()
    desk_url = office.url

    # 6. Anyone, without logging in, sees it and lodges an objection.
    context = browser.new_context(locale="zh-CN")
    public = context.new_page()
    public.goto(f"{base}/network/notices/")
    public.get_by_role("link", name="拟成为产业技术创新战略联盟协同发展网网员的公示").click()
    expect(
        public.get_by_role("listitem").filter(has_text="健康建筑产业技术创新战略联盟")
    ).to_be_visible()
    public.get_by_label("姓名或单位").fill("张三")
    public.get_by_label("联系方式").fill("13800000000")
    public.get_by_label("异议内容").fill("申报的成员单位数与实际不符。")
    shoot(public, "membership-notice")
    public.get_by_role("button", name="提交异议").click()
    expect(public.get_by_text("您的异议已收到")).to_be_visible()
    context.close()

    # 7. The office resolves it; admission waits for the end of the period.
    office.goto(desk_url)
    expect(office.get_by_text("申报的成员单位数与实际不符。")).to_be_visible()
    office.get_by_role("button", name="确认为正式网员").click()
    expect(office.get_by_text("期满后方可确认")).to_be_visible()
    office.get_by_label("处理结果").fill("经核实，成员单位数属实。")
    office.get_by_role("button", name="记录处理结果").click()
    expect(office.get_by_text("已处理：经核实，成员单位数属实。")).to_be_visible()

    # 8. Two weeks later the period is over: the alliance becomes a member.
    later = membership.local_today() + timedelta(days=14)
    monkeypatch.setattr(membership, "local_today", lambda: later)
    office.get_by_role("button", name="确认为正式网员").click()
    expect(office.get_by_text("已成为正式网员")).to_be_visible()
    shoot(office, "membership-admitted")

    alliance = Organisation.objects.get(pk=alliance.pk)
    assert alliance.is_network_member and alliance.network_member_since == later
    application = MembershipApplication.objects.get()
    assert application.state == MembershipApplication.State.ADMITTED
    assert list(application.events.values_list("action", flat=True)) == [
        "created",
        "submit",
        "start_review",
        "opinion",
        "opinion",
        "committee_pass",
        "confirm",
        "publish_notice",
        "objection",
        "objection_resolved",
        "admit",
    ]
    news = Submission.objects.get(state=Submission.State.RECEIVED)
    assert news.title == "健康建筑产业技术创新战略联盟正式成为产业技术创新战略联盟协同发展网网员"
    office.goto(application_url)
    expect(office.locator("#application-state")).to_have_text("正式网员")
    shoot(office, "membership-history")
