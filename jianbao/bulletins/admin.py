"""Series settings are edited here; issues and their content are only read.

An issue's content, state and printed names change through the desk's
services (editing, workflow, corrections), which check the sign-off and
record every step; the admin offers no way around them, to superusers
neither, and no issue can be deleted here.
"""

from django.contrib import admin

from jianbao.bulletins.models import (
    Article,
    ArticleContributor,
    Block,
    Issue,
    IssueEvent,
    IssueRevision,
    Section,
    Series,
    SeriesSection,
)
from jianbao.core.admin_tools import (
    ReadOnlyAdmin,
    ReadOnlyStackedInline,
    ReadOnlyTabularInline,
    RecordedAdmin,
)


class SeriesSectionInline(admin.TabularInline):
    model = SeriesSection
    extra = 0


@admin.register(Series)
class SeriesAdmin(RecordedAdmin):
    list_display = ["title", "name", "office", "separate_review_and_sign"]
    inlines = [SeriesSectionInline]


class SectionInline(ReadOnlyTabularInline):
    model = Section
    fields = ["position", "title", "toc_title"]
    show_change_link = True


class IssueEventInline(ReadOnlyTabularInline):
    model = IssueEvent
    fields = ["created_at", "action", "from_state", "to_state", "actor_name", "comment"]


class IssueRevisionInline(ReadOnlyTabularInline):
    model = IssueRevision
    fields = ["number", "note", "created_by", "created_at"]
    show_change_link = True


@admin.register(Issue)
class IssueAdmin(ReadOnlyAdmin):
    list_display = ["label", "date", "state", "editor_name", "reviewer_name", "signer_name"]
    list_filter = ["series", "year", "state"]
    inlines = [SectionInline, IssueRevisionInline, IssueEventInline]

    def get_queryset(self, request):
        # The names in the list are replayed from each issue's events: one query for all.
        return super().get_queryset(request).select_related("series").prefetch_related("events")

    @admin.display(description="期号")
    def label(self, obj):
        return obj.label


class ArticleInline(ReadOnlyStackedInline):
    model = Article
    fields = ["position", "title", "toc_title", "credit"]
    show_change_link = True


@admin.register(Section)
class SectionAdmin(ReadOnlyAdmin):
    list_display = ["title", "issue", "position"]
    list_filter = ["issue"]
    list_select_related = ["issue"]
    inlines = [ArticleInline]


class BlockInline(ReadOnlyTabularInline):
    model = Block
    fields = ["position", "kind", "text"]


class ArticleContributorInline(ReadOnlyTabularInline):
    model = ArticleContributor
    fields = ["position", "organisation", "name_as_printed"]


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    list_display = ["title", "section", "credit"]
    search_fields = ["title", "credit"]
    list_filter = ["section__issue"]
    list_select_related = ["section"]
    inlines = [ArticleContributorInline, BlockInline]


@admin.register(Block)
class BlockAdmin(ReadOnlyAdmin):
    list_display = ["article", "position", "kind"]
    list_select_related = ["article"]
    search_fields = ["text"]


@admin.register(ArticleContributor)
class ArticleContributorAdmin(ReadOnlyAdmin):
    list_display = ["name_as_printed", "article", "organisation"]
    list_select_related = ["article", "organisation"]


@admin.register(IssueEvent)
class IssueEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "issue", "action", "to_state", "actor_name"]
    list_filter = ["action"]
    list_select_related = ["issue"]


@admin.register(IssueRevision)
class IssueRevisionAdmin(ReadOnlyAdmin):
    list_display = ["issue", "number", "created_by", "created_at"]
    list_select_related = ["issue", "created_by"]
