from django.db import models
from django.utils import timezone

from jianbao.bulletins.models import Article, Issue


class SearchDocument(models.Model):
    """An article of a public issue, normalised for search.

    The primary key doubles as the row id of the full-text index and orders
    documents newest issue first, then in reading order, so "newest first"
    is a walk down the index instead of a sort.  The index tokens themselves
    live outside the ORM: an FTS5 table on SQLite, a tsvector column on
    PostgreSQL (see ``search.backends``).
    """

    id = models.BigIntegerField(primary_key=True)
    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="+")
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField(db_index=True)
    section_title = models.CharField(max_length=200, db_index=True)
    title = models.TextField()
    body = models.TextField()

    class Meta:
        verbose_name = "检索文档"
        verbose_name_plural = "检索文档"

    def __str__(self) -> str:
        return self.title


class SiteVersion(models.Model):
    """One row whose number changes whenever public content may have changed,
    inside the same transaction; page caches and ETags key on it."""

    number = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "站点版本"
        verbose_name_plural = "站点版本"

    def __str__(self) -> str:
        return f"v{self.number}"
