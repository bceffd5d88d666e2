"""The world the role × action matrix acts on (tests/test_access_matrix.py).

Every object is built on first use, through the services, so a row pays only
for what it touches: the matrix has several hundred cells.
"""

from __future__ import annotations

import io
from datetime import timedelta
from functools import cached_property
from html.parser import HTMLParser

from django.test import Client
from django.utils import timezone

from jianbao.bulletins import editing, workflow
from jianbao.bulletins.workflow import Action
from jianbao.core.models import Role
from jianbao.distribution.models import Delivery, Recipient
from jianbao.distribution.services import distribution_list
from jianbao.network import membership
from jianbao.network import services as network
from jianbao.network.models import BodyMember, NetworkBody
from jianbao.submissions import services as intake
from tests.factories import AllianceFactory, SeriesFactory, UserFactory, person

# The columns of the matrix.
ANON = "anonymous"
SUBMITTER = "submitter"  # 联盟秘书处 of the alliance the object belongs to
OTHER_SUBMITTER = "other_submitter"  # 联盟秘书处 of another alliance
EDITOR = "editor"
REVIEWER = "reviewer"
SIGNER = "signer"
COMMITTEE = "committee"  # a seat on the 网员审核委员会, no role
ADMIN = "admin"  # the 管理员 role, with admin-site access (is_staff), as bootstrap makes it
SUPERUSER = "superuser"  # is_superuser, no role
ROLES = [ANON, SUBMITTER, OTHER_SUBMITTER, EDITOR, REVIEWER, SIGNER, COMMITTEE, ADMIN, SUPERUSER]

PARTICULARS = {
    "field": "建筑",
    "chair_unit_name": "中国建筑科学研究院有限公司",
    "member_count": "42",
    "founded_year": "2019",
    "contact_name": "王芳",
    "contact_email": "wang@example.org",
    "statement": "联盟自愿申请成为协发网网员。",
}
DOCUMENT = ("网员注册申请表.pdf", b"%PDF-1.4 matrix application form")


class World:
    """People in every role, and objects in every state, built on demand."""

    def __init__(self):
        self.alliance = AllianceFactory(name="粉末冶金产业技术创新战略联盟")
        self.other_alliance = AllianceFactory(name="化纤产业技术创新战略联盟")
        self.users = {
            SUBMITTER: person("m-submitter", "submitter", alliance=self.alliance, name="秘书处甲"),
            OTHER_SUBMITTER: person(
                "m-other", "submitter", alliance=self.other_alliance, name="秘书处乙"
            ),
            EDITOR: person("m-editor", "editor", name="编辑丙"),
            REVIEWER: person("m-reviewer", "reviewer", name="审核丁"),
            SIGNER: person("m-signer", "signer", name="签发戊"),
            COMMITTEE: person("m-committee", name="委员己"),
            ADMIN: person("m-admin", "admin", name="管理员庚"),
            SUPERUSER: UserFactory(username="m-root", first_name="超级用户"),
        }
        self.users[ADMIN].is_staff = True
        self.users[ADMIN].save()
        root = self.users[SUPERUSER]
        root.is_staff = root.is_superuser = True
        root.save()
        # People who prepare the objects; none of them is a column of the matrix.
        self.lead_editor = person("lead-editor", "editor", name="主编")
        self.lead_reviewer = person("lead-reviewer", "reviewer", name="主审")
        self.lead_signer = person("lead-signer", "signer", name="主签")
        self.committee = NetworkBody.objects.create(
            name="网员审核委员会", kind=NetworkBody.Kind.REVIEW_COMMITTEE
        )
        self.voters = []
        for n, user in enumerate([self.users[COMMITTEE], person("voter-1"), person("voter-2")]):
            BodyMember.objects.create(
                body=self.committee,
                position=BodyMember.Position.MEMBER,
                person_name=f"委员{n}",
                user=user,
            )
            self.voters.append(user)
        self.series = SeriesFactory()
        self._forms: dict = {}
        self._readers: dict = {}

    # --- Clients --------------------------------------------------------------

    def client_for(self, role: str) -> Client:
        # A server error is a cell's answer (500), not an exception that ends the row.
        client = Client(raise_request_exception=False)
        if role != ANON:
            client.force_login(self.users[role])
        return client

    def form(self, role: str, url: str, **kwargs) -> dict[str, list[str]]:
        """The form at ``url`` as ``role`` is offered it: read once per row, then copied.

        Reading is done before any role's request, so every role posts the same form.
        """
        key = (role, url, tuple(sorted(kwargs.items())))
        if key not in self._forms:
            if role not in self._readers:
                self._readers[role] = self.client_for(role)
            self._forms[key] = scrape(self._readers[role], url, **kwargs)
        return {name: list(values) for name, values in self._forms[key].items()}

    @cached_property
    def plain_user(self):
        """Somebody without roles, whose account the administrators manage."""
        return UserFactory(username="m-plain", first_name="普通用户")

    # --- Issues in each state -------------------------------------------------

    def _issue(self, state: str, *, year: int = 2026):
        number, running = editing.next_numbers(self.series, year)
        issue = editing.create_issue(
            self.series, year=year, number=number, running_number=running, by=self.lead_editor
        )
        section = issue.sections.order_by("position").first()
        editing.add_article(
            issue, section, by=self.lead_editor, title=f"{state}稿甲", body="第一段。"
        )
        editing.add_article(
            issue, section, by=self.lead_editor, title=f"{state}稿乙", body="第二段。"
        )
        steps = {
            "editing": [],
            "review": [Action.SUBMIT],
            "signing": [Action.SUBMIT, Action.APPROVE],
            "signed": [Action.SUBMIT, Action.APPROVE, Action.SIGN],
            "published": [Action.SUBMIT, Action.APPROVE, Action.SIGN, Action.PUBLISH],
            "withdrawn": [
                Action.SUBMIT,
                Action.APPROVE,
                Action.SIGN,
                Action.PUBLISH,
                Action.WITHDRAW,
            ],
        }[state]
        actor = {
            Action.SUBMIT: self.lead_editor,
            Action.APPROVE: self.lead_reviewer,
            Action.SIGN: self.lead_signer,
            Action.PUBLISH: self.lead_signer,
            Action.WITHDRAW: self.lead_signer,
        }
        for action in steps:
            comment = "发现事实错误" if action == Action.WITHDRAW else ""
            issue = workflow.transition(issue, action, by=actor[action], comment=comment)
        return issue

    @cached_property
    def editing_issue(self):
        return self._issue("editing")

    @cached_property
    def review_issue(self):
        return self._issue("review")

    @cached_property
    def signing_issue(self):
        return self._issue("signing")

    @cached_property
    def signed_issue(self):
        return self._issue("signed")

    @cached_property
    def withdrawn_issue(self):
        return self._issue("withdrawn")

    @cached_property
    def public_submission(self):
        return intake.submit_from_web(
            self.users[SUBMITTER],
            alliance=self.alliance,
            title="公开来稿",
            body="公开来稿正文。",
            credit="",
            files=[],
        )

    @cached_property
    def published_issue(self):
        """A published issue: an alliance's article, a correction, deliveries in each state."""
        number, running = editing.next_numbers(self.series, 2025)
        assert number == 1
        issue = editing.create_issue(
            self.series, year=2025, number=1, running_number=running, by=self.lead_editor
        )
        section = issue.sections.order_by("position").first()
        intake.accept_into(
            self.public_submission, issue=issue, section=section, by=self.lead_editor
        )
        for action, by in [
            (Action.SUBMIT, self.lead_editor),
            (Action.APPROVE, self.lead_reviewer),
            (Action.SIGN, self.lead_signer),
            (Action.PUBLISH, self.lead_signer),
        ]:
            issue = workflow.transition(issue, action, by=by)
        self.revision = editing.correct_article(
            self.article_of(issue),
            by=self.lead_editor,
            title="公开来稿",
            body="公开来稿正文（已更正）。",
            credit="",
            note="更正正文",
        )
        for address, state in [
            ("sent@example.org", Delivery.State.SENT),
            ("failed@example.org", Delivery.State.FAILED),
            ("bounced@example.org", Delivery.State.BOUNCED),
        ]:
            Delivery.objects.create(
                issue=issue,
                address=address,
                organisation="某单位",
                person="某人",
                list_kind="送",
                state=state,
                attempts=1,
                error="550 5.1.1 User unknown" if state != Delivery.State.SENT else "",
                message_id=f"<{address}>",
            )
        return issue

    @cached_property
    def new_recipient(self):
        """A recipient added after publishing: 补发 queues one delivery for them."""
        return Recipient.objects.create(
            distribution_list=distribution_list("送"),
            organisation="新单位",
            person="新人",
            address="late@example.org",
        )

    def article_of(self, issue, n: int = 0):
        return issue.sections.order_by("position").first().articles.order_by("position")[n]

    @cached_property
    def unpublished_article(self):
        return self.article_of(self.signed_issue)

    # --- Pictures shown by a published and by a signed issue ---------------------

    def _picture_in(self, article, colour):
        from PIL import Image

        from jianbao.bulletins.services import block_row
        from jianbao.publishing import parsed, pictures

        out = io.BytesIO()
        Image.new("RGB", (800, 600), colour).save(out, "PNG")
        picture = pictures.accept(out.getvalue(), filename="现场.png")
        image = parsed.Block(parsed.IMAGE, file=picture.name, caption="图为会议现场")
        block_row(image, article=article, position=article.blocks.count()).save()
        return picture

    @cached_property
    def public_picture(self):
        return self._picture_in(self.article_of(self.published_issue), "navy")

    @cached_property
    def unpublished_picture(self):
        return self._picture_in(self.unpublished_article, "olive")

    # --- Submissions from each alliance ------------------------------------------

    @cached_property
    def submission(self):
        return intake.submit_from_web(
            self.users[SUBMITTER],
            alliance=self.alliance,
            title="甲联盟来稿",
            body="甲联盟来稿正文。",
            credit="",
            files=[],
        )

    @cached_property
    def attachment(self):
        submission = intake.submit_from_web(
            self.users[SUBMITTER],
            alliance=self.alliance,
            title="甲联盟附件来稿",
            body="正文。",
            credit="",
            files=[("通知.pdf", b"%PDF-1.4 matrix attachment")],
        )
        intake.read_files(submission.pk)
        return submission.attachments.get()

    @cached_property
    def other_submission(self):
        return intake.submit_from_web(
            self.users[OTHER_SUBMITTER],
            alliance=self.other_alliance,
            title="乙联盟来稿",
            body="乙联盟来稿正文。",
            credit="",
            files=[],
        )

    # --- The registry --------------------------------------------------------------

    @cached_property
    def profile_change(self):
        return network.propose_profile_change(
            self.alliance, {"field": "粉末冶金新材料"}, by=self.users[SUBMITTER]
        )

    @cached_property
    def merge_pair(self):
        return (
            AllianceFactory(name="测试甲产业技术创新战略联盟"),
            AllianceFactory(name="测试甲产业技术创新联盟"),
        )

    # --- Membership applications at each step ---------------------------------------------
    # One open application per alliance, so each step has its own alliance; the
    # applicant's own steps are on the matrix's own alliance.

    def _apply(self, alliance, applicant, *, submit=True):
        return membership.apply(
            alliance,
            by=applicant,
            particulars={**PARTICULARS, "member_count": 42, "founded_year": 2019},
            documents=[DOCUMENT],
            submit=submit,
        )

    def _stranger(self, name: str):
        alliance = AllianceFactory(name=name)
        return alliance, person(f"sec-{alliance.pk}", "submitter", alliance=alliance)

    @cached_property
    def draft_application(self):
        return self._apply(self.alliance, self.users[SUBMITTER], submit=False)

    @cached_property
    def own_submitted_application(self):
        return self._apply(self.alliance, self.users[SUBMITTER])

    @cached_property
    def submitted_application(self):
        return self._apply(*self._stranger("申请一产业技术创新战略联盟"))

    def _in_review(self, name: str, opinions: list[str]):
        application = self._apply(*self._stranger(name))
        application = membership.transition(
            application, membership.Action.START_REVIEW, by=self.lead_editor
        )
        for voter, opinion in zip(self.voters[1:], opinions, strict=False):
            membership.record_opinion(application, by=voter, opinion=opinion)
        return application

    @cached_property
    def review_application(self):
        """In committee review, two of three members for: enough to pass."""
        return self._in_review("申请二产业技术创新战略联盟", ["approve", "approve"])

    @cached_property
    def approved_application(self):
        application = self._in_review("申请三产业技术创新战略联盟", ["approve", "approve"])
        return membership.conclude_review(application, by=self.lead_editor)

    def _confirmed(self, name: str):
        application = self._in_review(name, ["approve", "approve"])
        application = membership.conclude_review(application, by=self.lead_editor)
        return membership.confirm_by_council(
            application,
            by=self.lead_editor,
            meeting_name="第二届第三次会议",
            meeting_date=membership.local_today(),
        )

    @cached_property
    def confirmed_application(self):
        return self._confirmed("申请四产业技术创新战略联盟")

    @cached_property
    def open_notice(self):
        """A notice running today, with one objection lodged."""
        application = self._confirmed("申请五产业技术创新战略联盟")
        notice = membership.open_public_notice(
            [application], by=self.lead_editor, starts_on=membership.local_today()
        )
        self.objection = membership.lodge_objection(
            notice,
            application=application,
            name="张三",
            contact="zhang@example.org",
            text="材料不实",
        )
        self.notice_application = application
        return notice

    @cached_property
    def ended_notice(self):
        """A notice whose period ended without objections: its alliance may be admitted."""
        application = self._confirmed("申请六产业技术创新战略联盟")
        notice = membership.open_public_notice(
            [application],
            by=self.lead_editor,
            starts_on=membership.local_today() - timedelta(days=30),
        )
        self.ended_application = application
        return notice

    def now(self):
        return timezone.now()


# --- Reading a form the way a browser does --------------------------------------------


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select = None
        self._textarea = None
        self._current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = {"attrs": attrs, "fields": []}
            self.forms.append(self._current)
            return
        if self._current is None:
            return
        fields = self._current["fields"]
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in attrs, "chosen": []}
        elif tag == "option" and self._select is not None and "selected" in attrs:
            self._select["chosen"].append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            for value in self._select["chosen"]:
                self._current["fields"].append((self._select["name"], value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline after <textarea>.
            name, text = self._textarea
            self._current["fields"].append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "form":
            self._current = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def form_data(
    html: str, *, having: str | None = None, form_id: str | None = None
) -> dict[str, list[str]] | None:
    """The fields a browser would send from the page's form: the one with that id, or
    the first one with a field named ``having``, or the first POST form."""
    reader = _FormReader()
    reader.feed(html)
    for form in reader.forms:
        names = [n for n, _ in form["fields"]]
        if form_id is not None:
            if form["attrs"].get("id") != form_id:
                continue
        elif (having is None and form["attrs"].get("method", "get").lower() != "post") or (
            having is not None and having not in names
        ):
            continue
        data: dict[str, list[str]] = {}
        for name, value in form["fields"]:
            data.setdefault(name, []).append(value)
        return data
    return None


def scrape(
    client: Client,
    url: str,
    *,
    having: str | None = None,
    form_id: str | None = None,
    required: bool = True,
) -> dict[str, list[str]]:
    """The form as offered to ``client``.  Not required: a page that offers no such
    form (a read-only admin page) gives no fields, and the caller posts its own."""
    response = client.get(url)
    if response.status_code != 200 and not required:
        return {}
    assert response.status_code == 200, (url, response.status_code)
    data = form_data(response.content.decode(), having=having, form_id=form_id)
    if data is None:
        assert not required, f"no form with {form_id or having or 'method=post'} at {url}"
        return {}
    return data


def desk_role_names() -> set[str]:
    return {Role.EDITOR, Role.REVIEWER, Role.SIGNER}
