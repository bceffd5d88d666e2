from django.db import models

from jianbao.core.models import AppendOnlyModel
from jianbao.network.models import Organisation


class Series(models.Model):
    """A numbered bulletin with its masthead, sections and closing block."""

    slug = models.SlugField("代号", unique=True)
    title = models.CharField(
        "简报名称", max_length=200, help_text="如：产业技术创新战略联盟试点工作"
    )
    name = models.CharField("刊名", max_length=20, default="简报")
    office = models.CharField("编发单位", max_length=200)
    default_distribution = models.JSONField(
        "默认报送范围", default=dict, blank=True, help_text='如 {"报": [...], "送": [...]}'
    )
    contacts = models.JSONField("联系方式", default=list, blank=True)
    separate_review_and_sign = models.BooleanField(
        "审核与签发须由不同人员",
        default=True,
        help_text="开启后，审核通过某期的人不能再签发同一期",
    )
    # Read by the proofing app's precondition on 提交审核 (proofing.apps).
    proof_errors_block_submission = models.BooleanField(
        "有未处理的审校错误时不能提交审核",
        default=False,
        help_text="开启后，本期还有未处理（未采用建议也未忽略）的审校“错误”时，不能提交审核",
    )
    # Read when an issue's PDF is made (bulletins.print_settings), for every issue
    # of the series at once: the layout is not copied into issues.
    closing_on_even_page = models.BooleanField(
        "版记排在偶数页",
        default=True,
        help_text="开启后，PDF 的版记排在偶数页（最后一张纸的背面），需要时在前面加一页空白页"
        "（GB/T 9704）",
    )
    archival_pdf_download = models.BooleanField(
        "公开下载存档用 PDF/A-2b 版本",
        default=True,
        help_text="开启后，公开页面下载的 PDF 和邮件附件的 PDF 是 PDF/A-2b 归档版；"
        "关闭时是普通 PDF",
    )
    # Read by the archive's visibility rule (archive.search.index.public_issue_filter).
    imports_public_after_check = models.BooleanField(
        "导入的往期核对后才公开",
        default=False,
        help_text="开启后，导入的往期简报在编辑标记“已核对”之前不在网站公开、不能搜索",
    )

    class Meta:
        verbose_name = "简报系列"
        verbose_name_plural = "简报系列"

    def __str__(self) -> str:
        return f"{self.title}{self.name}"


class SeriesSection(models.Model):
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField("栏目", max_length=200)
    position = models.PositiveIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "固定栏目"
        verbose_name_plural = "固定栏目"
        ordering = ["series", "position"]
        constraints = [
            models.UniqueConstraint(fields=["series", "title"], name="series_section_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class Issue(models.Model):
    class State(models.TextChoices):
        EDITING = "editing", "编辑中"
        REVIEW = "review", "待审核"
        SIGNING = "signing", "待签发"
        SIGNED = "signed", "已签发"
        PUBLISHED = "published", "已发布"
        WITHDRAWN = "withdrawn", "已撤回"

    series = models.ForeignKey(
        Series, on_delete=models.PROTECT, related_name="issues", verbose_name="简报系列"
    )
    year = models.PositiveIntegerField("年份")
    number = models.PositiveIntegerField("年度期号")
    running_number = models.PositiveIntegerField("总期号")
    # Set by the 签发 step (or by an import), never typed in: see workflow.transition.
    date = models.DateField("日期", null=True, blank=True)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.EDITING)
    distribution = models.JSONField("报送范围", default=dict, blank=True)
    contacts = models.JSONField("联系方式", default=list, blank=True)
    # Printed after the masthead, before the 本期导读; the editor writes it on the 导读 page.
    editor_note = models.TextField("编者按", blank=True)
    source_name = models.CharField("导入来源", max_length=300, blank=True)
    # An imported issue whose import report no editor has marked checked yet
    # (catalogue.services); its series decides whether that keeps it off the site.
    import_unchecked = models.BooleanField("导入待核对", default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "期"
        verbose_name_plural = "各期简报"
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "year", "number"], name="issue_number_unique"
            ),
            models.UniqueConstraint(
                fields=["series", "running_number"], name="issue_running_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.number}期（总第{self.running_number}期）"

    @property
    def key(self) -> str:
        return f"{self.year}-{self.number}"

    # The printed 本期编辑/审核/签发 come from the history, never from columns
    # anyone could edit (bulletins.selectors.signoff).
    @property
    def signoff(self):
        cached = self.__dict__.get("_signoff")
        if cached is None:
            from jianbao.bulletins.selectors import signoff

            cached = self.__dict__["_signoff"] = signoff(self)
        return cached

    @property
    def editor_name(self) -> str:
        return self.signoff.editor

    @property
    def reviewer_name(self) -> str:
        return self.signoff.reviewer

    @property
    def signer_name(self) -> str:
        return self.signoff.signer


class Section(models.Model):
    issue = models.ForeignKey(
        Issue, on_delete=models.CASCADE, related_name="sections", verbose_name="期"
    )
    position = models.PositiveIntegerField("顺序")
    title = models.CharField("栏目", max_length=200)
    toc_title = models.CharField("导读中的栏目名", max_length=200, blank=True)
    # For this issue only (the series' default sections are untouched): a hidden
    # section prints nowhere; an empty one prints only when the editor keeps it.
    is_hidden = models.BooleanField("本期隐藏", default=False)
    keep_when_empty = models.BooleanField("无稿件时也印出", default=False)

    class Meta:
        verbose_name = "栏目"
        verbose_name_plural = "栏目"
        ordering = ["issue", "position"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "position"], name="section_position_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class Article(models.Model):
    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="articles", verbose_name="栏目"
    )
    position = models.PositiveIntegerField("顺序")
    title = models.CharField("标题", max_length=500)
    toc_title = models.CharField(
        "导读标题", max_length=500, blank=True, help_text="导读措辞与标题不同时填写"
    )
    credit = models.CharField("供稿行", max_length=300, blank=True, help_text="不含括号")
    # Bumped by every save through the desk, so a form opened on an older
    # version is refused instead of overwriting someone else's edit.
    version = models.PositiveIntegerField("版本", default=1)
    contributors = models.ManyToManyField(
        Organisation,
        through="ArticleContributor",
        related_name="contributed_articles",
        verbose_name="供稿单位",
        blank=True,
    )
    alliances = models.ManyToManyField(
        Organisation, related_name="mentioned_in", verbose_name="涉及联盟", blank=True
    )

    class Meta:
        verbose_name = "文章"
        verbose_name_plural = "文章"
        ordering = ["section", "position"]
        constraints = [
            models.UniqueConstraint(fields=["section", "position"], name="article_position_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class ArticleContributor(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, verbose_name="文章")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, verbose_name="单位")
    position = models.PositiveIntegerField("顺序")
    name_as_printed = models.CharField("署名", max_length=200)

    class Meta:
        verbose_name = "供稿单位"
        verbose_name_plural = "供稿单位"
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "position"], name="contributor_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name_as_printed


class Block(models.Model):
    class Kind(models.TextChoices):
        PARAGRAPH = "paragraph", "段落"
        HEADING = "heading", "小标题"
        IMAGE = "image", "图片"
        TABLE = "table", "表格"
        NOTE = "note", "编者按"

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="blocks", verbose_name="文章"
    )
    position = models.PositiveIntegerField("顺序")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.PARAGRAPH)
    # The block's plain text (a picture's caption, a table's cells): what search reads.
    text = models.TextField("文字")
    # The rest of the content shape (publishing.parsed.Block): marks, and the
    # fields of pictures and tables, as block_to_dict writes them.
    data = models.JSONField("格式与附件", default=dict, blank=True)

    class Meta:
        verbose_name = "段落"
        verbose_name_plural = "段落"
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="block_position_unique"),
        ]

    def __str__(self) -> str:
        return self.text[:40]


class IssueEvent(AppendOnlyModel):
    """Append-only history of an issue: import, sign-off steps, corrections."""

    issue = models.ForeignKey(
        Issue, on_delete=models.PROTECT, related_name="events", verbose_name="期"
    )
    action = models.CharField("操作", max_length=30)
    from_state = models.CharField("原状态", max_length=20, blank=True)
    to_state = models.CharField("新状态", max_length=20, blank=True)
    actor = models.ForeignKey(
        "auth.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="经办用户",
    )
    actor_name = models.CharField("经办人", max_length=100, blank=True)
    comment = models.TextField("说明", blank=True)
    # An import's printed names and date: {"editor", "reviewer", "signer", "date"}.
    data = models.JSONField("内容", default=dict, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "记录"
        verbose_name_plural = "处理记录"
        ordering = ["issue", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.issue} {self.action}"

    ACTION_LABELS = {
        "imported": "导入归档",
        "replaced": "覆盖导入",
        "created": "新建",
        "submit": "提交审核",
        "approve": "审核通过",
        "return": "退回修改",
        "sign": "签发",
        "publish": "发布",
        "withdraw": "撤回",
        "republish": "重新发布",
        "corrected": "勘误",
    }

    def get_action_label(self) -> str:
        return self.ACTION_LABELS.get(self.action, self.action)

    @property
    def to_state_label(self) -> str:
        return Issue.State(self.to_state).label if self.to_state else ""


class IssueRevision(AppendOnlyModel):
    """The content of an issue before a correction (勘误) or a re-import changed it."""

    issue = models.ForeignKey(
        Issue, on_delete=models.PROTECT, related_name="revisions", verbose_name="期"
    )
    number = models.PositiveIntegerField("修订号")
    snapshot = models.JSONField("修订前内容")
    note = models.TextField("勘误说明")
    # A fix made while an import was being checked corrects the reading of the
    # file, not the bulletin: it is kept like a 勘误 but not listed as one.
    import_fix = models.BooleanField("导入核对时的更正", default=False)
    created_by = models.ForeignKey(
        "auth.User", null=True, on_delete=models.PROTECT, related_name="+", verbose_name="记录人"
    )
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "勘误记录"
        verbose_name_plural = "勘误记录"
        ordering = ["issue", "number"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "number"], name="revision_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.issue} 勘误{self.number}"
