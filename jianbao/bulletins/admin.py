from django.contrib import admin

from jianbao.bulletins.models import (
    Article,
    Block,
    Issue,
    IssueEvent,
    Section,
    Series,
    SeriesSection,
)


class SeriesSectionInline(admin.TabularInline):
    model = SeriesSection
    extra = 0


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "name", "office"]
    inlines = [SeriesSectionInline]


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = ["position", "title", "toc_title"]
    show_change_link = True


class IssueEventInline(admin.TabularInline):
    model = IssueEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "from_state", "to_state", "actor_name", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ["label", "date", "state", "editor_name", "reviewer_name", "signer_name"]
    list_filter = ["series", "year", "state"]
    inlines = [SectionInline, IssueEventInline]
    readonly_fields = ["created_at", "updated_at", "source_name"]

    @admin.display(description="期号")
    def label(self, obj):
        return obj.label


class ArticleInline(admin.StackedInline):
    model = Article
    extra = 0
    fields = ["position", "title", "toc_title", "credit"]
    show_change_link = True


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["title", "issue", "position"]
    list_filter = ["issue"]
    inlines = [ArticleInline]


class BlockInline(admin.TabularInline):
    model = Block
    extra = 0


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "section", "credit"]
    search_fields = ["title", "credit"]
    list_filter = ["section__issue"]
    filter_horizontal = ["alliances"]
    inlines = [BlockInline]
