"""The alliance network: the registry, its bodies, and the membership procedure.

An alliance is an ``Organisation`` of kind ALLIANCE.  Its profile lives on the
same row rather than in a one-to-one table: every other app (roles,
submissions, articles, mail) already points at ``Organisation``, alliances are
discovered from bulletin text by rule, and a merge must move one row's links
to another — one row per alliance keeps all of that a single join away.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from jianbao.core.models import AppendOnlyModel


class Organisation(models.Model):
    class Kind(models.TextChoices):
        ALLIANCE = "alliance", "产业技术创新战略联盟"
        NETWORK = "network", "联盟网络机构"
        GOVERNMENT = "government", "政府部门"
        UNIT = "unit", "企业、高校或科研单位"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        ACTIVE = "active", "存续"
        DISSOLVED = "dissolved", "已解散"

    name = models.CharField("全称", max_length=200, unique=True)
    kind = models.CharField("类别", max_length=20, choices=Kind.choices, default=Kind.OTHER)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    # Alliance profile; blank for other organisations.
    is_pilot = models.BooleanField("试点联盟", default=False)
    is_network_member = models.BooleanField("协发网网员", default=False)
    network_member_since = models.DateField("入网日期", null=True, blank=True)
    field = models.CharField("领域或行业", max_length=100, blank=True)
    chair_unit = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chaired_alliances",
        verbose_name="理事长单位",
    )
    website = models.URLField("网站", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位与联盟"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def kinds(self) -> list[str]:
        """试点联盟 and/or 协发网网员, as printed."""
        return [
            label
            for flag, label in ((self.is_pilot, "试点联盟"), (self.is_network_member, "协发网网员"))
            if flag
        ]


class OrganisationName(models.Model):
    """Another name under which an organisation appears in print."""

    class Kind(models.TextChoices):
        SHORT = "short", "简称"
        OTHER = "other", "其他名称"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="names", verbose_name="单位"
    )
    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类别", max_length=10, choices=Kind.choices, default=Kind.SHORT)

    class Meta:
        verbose_name = "简称或别名"
        verbose_name_plural = "简称与别名"
        ordering = ["kind", "name"]
        constraints = [
            # One printed name points at one organisation, or linking is ambiguous.
            models.UniqueConstraint(Lower("name"), name="organisation_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.organisation.name}"


class SecretariatContact(models.Model):
    """A person at an alliance's secretariat; mail intake matches senders by ``email``."""

    alliance = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="contacts", verbose_name="联盟"
    )
    name = models.CharField("联系人", max_length=50)
    email = models.EmailField("电子邮箱", blank=True)
    phone = models.CharField("电话", max_length=50, blank=True)

    class Meta:
        verbose_name = "秘书处联系人"
        verbose_name_plural = "秘书处联系人"
        ordering = ["alliance", "id"]
        indexes = [models.Index(Lower("email"), name="contact_email_lower")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name


class MemberUnit(models.Model):
    """A unit's place in one alliance; the same unit may sit in several."""

    class Role(models.TextChoices):
        CHAIR = "chair", "理事长单位"
        VICE_CHAIR = "vice_chair", "副理事长单位"
        STANDING_DIRECTOR = "standing_director", "常务理事单位"
        DIRECTOR = "director", "理事单位"
        MEMBER = "member", "会员单位"
        FOUNDER = "founder", "发起单位"

    alliance = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="member_units", verbose_name="联盟"
    )
    unit = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships", verbose_name="单位"
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = "成员单位"
        verbose_name_plural = "成员单位"
        ordering = ["alliance", "role", "unit__name"]
        constraints = [
            # A founder may also chair: one row per role, never the same role twice.
            models.UniqueConstraint(
                fields=["alliance", "unit", "role"], name="member_unit_role_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_role_display()}"


class NetworkBody(models.Model):
    """理事会, 秘书处, 网员审核委员会 or an expert committee of the network."""

    class Kind(models.TextChoices):
        COUNCIL = "council", "理事会"
        SECRETARIAT = "secretariat", "秘书处"
        REVIEW_COMMITTEE = "review_committee", "网员审核委员会"
        EXPERT_COMMITTEE = "expert_committee", "专家委员会"

    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    # Only the review committee votes; both rules are set here so the office can change them.
    quorum = models.PositiveSmallIntegerField(
        "法定人数",
        null=True,
        blank=True,
        help_text="审核结论至少需要的意见份数；留空则为委员半数以上",
    )
    majority_percent = models.PositiveSmallIntegerField(
        "通过比例（%）",
        default=50,
        help_text="同意意见须超过已表态意见的这一比例：50 为过半数，66 为三分之二",
    )

    class Meta:
        verbose_name = "协发网机构"
        verbose_name_plural = "协发网机构"
        ordering = ["kind", "name"]
        constraints = [
            # The procedure needs to know which committee reviews applications.
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(kind="review_committee"),
                name="one_review_committee",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BodyMember(models.Model):
    class Position(models.TextChoices):
        CHAIR = "chair", "理事长/主任"
        VICE_CHAIR = "vice_chair", "副理事长/副主任"
        DIRECTOR_UNIT = "director_unit", "理事单位"
        SUPERVISOR = "supervisor", "监事"
        SECRETARY_GENERAL = "secretary_general", "秘书长"
        MEMBER = "member", "委员"
        STAFF = "staff", "工作人员"

    body = models.ForeignKey(
        NetworkBody, on_delete=models.CASCADE, related_name="members", verbose_name="机构"
    )
    position = models.CharField("职务", max_length=20, choices=Position.choices)
    person_name = models.CharField("姓名", max_length=50, blank=True)
    unit = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="body_seats",
        verbose_name="单位",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="network_seats",
        verbose_name="系统用户",
        help_text="审核委员会委员须关联用户，才能在系统中提交审核意见",
    )

    class Meta:
        verbose_name = "机构成员"
        verbose_name_plural = "机构成员"
        ordering = ["body", "position", "id"]

    def __str__(self) -> str:
        who = self.person_name or (self.unit.name if self.unit_id else "")
        return f"{self.body} · {who}（{self.get_position_display()}）"


class ProfileChange(models.Model):
    """Changes an alliance's own secretariat proposes; the office approves them."""

    class State(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已采纳"
        REJECTED = "rejected", "未采纳"

    alliance = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="profile_changes", verbose_name="联盟"
    )
    changes = models.JSONField("修改内容", help_text="字段 → 新值")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="提出人",
    )
    proposed_at = models.DateTimeField("提出时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="审批人",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    comment = models.TextField("审批意见", blank=True)

    class Meta:
        verbose_name = "联盟信息修改申请"
        verbose_name_plural = "联盟信息修改申请"
        ordering = ["-proposed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.alliance} · {self.get_state_display()}"


class MergeDecision(models.Model):
    """An administrator's answer to a suggested merge, so it is not suggested again."""

    class Decision(models.TextChoices):
        MERGED = "merged", "已合并"
        DISTINCT = "distinct", "不是同一联盟"

    canonical_name = models.CharField("保留名称", max_length=200)
    other_name = models.CharField("另一名称", max_length=200)
    decision = models.CharField("决定", max_length=10, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="决定人",
    )
    decided_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "合并决定"
        verbose_name_plural = "名称合并记录"
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.other_name} → {self.canonical_name}（{self.get_decision_display()}）"


class PublicNotice(models.Model):
    """A 公示: the alliances the council confirmed, open to objections for a period."""

    title = models.CharField("标题", max_length=200)
    body = models.TextField("说明", blank=True)
    starts_on = models.DateField("公示开始")
    ends_on = models.DateField("公示截止", help_text="公示期最后一个工作日")
    working_days = models.PositiveSmallIntegerField("公示期（工作日）", default=5)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="发布人"
    )
    created_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        verbose_name = "公示"
        verbose_name_plural = "网员公示"
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.title


OPEN_APPLICATION_STATES = (
    "draft",
    "submitted",
    "committee_review",
    "committee_approved",
    "committee_rejected",
    "council_confirmed",
    "public_notice",
)


class MembershipApplication(models.Model):
    """网员注册: an alliance's application to join the network."""

    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"
        COMMITTEE_REVIEW = "committee_review", "委员会审核中"
        COMMITTEE_APPROVED = "committee_approved", "委员会通过"
        COMMITTEE_REJECTED = "committee_rejected", "委员会未通过"
        COUNCIL_CONFIRMED = "council_confirmed", "理事会确认"
        PUBLIC_NOTICE = "public_notice", "公示中"
        ADMITTED = "admitted", "正式网员"
        WITHDRAWN = "withdrawn", "撤回"
        REJECTED = "rejected", "驳回"

    alliance = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="applications", verbose_name="联盟"
    )
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.DRAFT)
    # Declared particulars, as the applicant states them on the form.
    field = models.CharField("领域或行业", max_length=100)
    chair_unit_name = models.CharField("理事长单位", max_length=200)
    member_count = models.PositiveIntegerField("成员单位数")
    founded_year = models.PositiveIntegerField("成立年份", null=True, blank=True)
    contact_name = models.CharField("联系人", max_length=50)
    contact_email = models.EmailField("联系邮箱")
    statement = models.TextField("申请说明", help_text="联盟概况、开展的工作及入网意愿")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申请人"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    council_meeting_name = models.CharField("理事会会议", max_length=100, blank=True)
    council_meeting_date = models.DateField("会议日期", null=True, blank=True)
    notice = models.ForeignKey(
        PublicNotice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name="公示",
    )

    class Meta:
        verbose_name = "网员注册申请"
        verbose_name_plural = "网员注册申请"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance"],
                condition=Q(state__in=OPEN_APPLICATION_STATES),
                name="one_open_application_per_alliance",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alliance} 网员注册申请"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_APPLICATION_STATES


def application_document_path(document, filename: str) -> str:
    return f"network/applications/{document.application_id}/{filename}"


class ApplicationDocument(models.Model):
    application = models.ForeignKey(
        MembershipApplication, on_delete=models.CASCADE, related_name="documents"
    )
    file = models.FileField("文件", upload_to=application_document_path)
    original_name = models.CharField("原文件名", max_length=300)
    size = models.PositiveIntegerField("大小")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["application", "id"]

    def __str__(self) -> str:
        return self.original_name


class CommitteeOpinion(models.Model):
    """One committee member's opinion; the latest one counts, every one is in the history."""

    class Opinion(models.TextChoices):
        APPROVE = "approve", "同意"
        REJECT = "reject", "不同意"
        ABSTAIN = "abstain", "弃权"

    application = models.ForeignKey(
        MembershipApplication, on_delete=models.CASCADE, related_name="opinions"
    )
    member = models.ForeignKey(
        BodyMember, on_delete=models.PROTECT, related_name="opinions", verbose_name="委员"
    )
    opinion = models.CharField("意见", max_length=10, choices=Opinion.choices)
    comment = models.TextField("说明", blank=True)
    recorded_at = models.DateTimeField("时间", auto_now=True)

    class Meta:
        verbose_name = "审核意见"
        verbose_name_plural = "审核意见"
        ordering = ["application", "recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "member"], name="one_opinion_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_opinion_display()}"


class ApplicationEvent(AppendOnlyModel):
    """Append-only history of an application: every step and every opinion."""

    application = models.ForeignKey(
        MembershipApplication, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField("操作", max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField("经办人", max_length=100, blank=True)
    comment = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["application", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.application} {self.action}"

    @property
    def to_state_label(self) -> str:
        return MembershipApplication.State(self.to_state).label if self.to_state else ""

    # The procedure's own actions, plus the events that change no state.
    ACTION_LABELS = {
        "created": "创建申请",
        "opinion": "委员审核意见",
        "objection": "公示异议",
        "objection_resolved": "异议处理",
        "objections_dismissed": "异议不予采纳",
        "submit": "提交申请",
        "start_review": "提交委员会审核",
        "committee_pass": "委员会审核通过",
        "committee_fail": "委员会审核未通过",
        "confirm": "理事会确认",
        "publish_notice": "公示",
        "admit": "正式成为网员",
        "withdraw": "撤回",
        "reject": "驳回",
    }

    @property
    def action_label(self) -> str:
        return self.ACTION_LABELS.get(self.action, self.action)


class Objection(models.Model):
    """An objection anyone may lodge against an alliance during its public notice."""

    notice = models.ForeignKey(
        PublicNotice, on_delete=models.CASCADE, related_name="objections", verbose_name="公示"
    )
    application = models.ForeignKey(
        MembershipApplication,
        on_delete=models.CASCADE,
        related_name="objections",
        verbose_name="针对的联盟",
    )
    name = models.CharField("姓名或单位", max_length=100)
    contact = models.CharField("联系方式", max_length=100, help_text="电话或电子邮箱")
    text = models.TextField("异议内容")
    lodged_at = models.DateTimeField("提出时间", auto_now_add=True)
    resolution = models.TextField("处理结果", blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="处理人",
    )
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    dismissed = models.BooleanField("不予采纳", default=False)
    # A keyed digest of the writer's network address, for the rate limit only.
    address_hash = models.CharField("来源地址摘要", max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "异议"
        verbose_name_plural = "公示异议"
        ordering = ["notice", "lodged_at", "id"]
        indexes = [
            models.Index(fields=["notice", "lodged_at"], name="objection_recent"),
            models.Index(fields=["address_hash", "lodged_at"], name="objection_by_address"),
        ]

    def __str__(self) -> str:
        return f"{self.application.alliance} · {self.name}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
