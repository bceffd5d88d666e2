from django.db.models import Q

from jianbao.archive.selectors import search_articles
from jianbao.core.commands import JianbaoCommand
from jianbao.core.errors import JianbaoError
from jianbao.network.models import Organisation


class Command(JianbaoCommand):
    help = "检索已发布的简报文章：各词都须出现在标题或正文中，引号内为短语"

    def add_arguments(self, parser):
        parser.add_argument("query", nargs="+", help="检索词，如 标准 或 '\"ISO/IEC 4396\"'")
        parser.add_argument("--alliance", help="联盟全称或简称")
        parser.add_argument("--section", help="栏目名称")
        parser.add_argument("--from", dest="year_from", type=int, metavar="YEAR")
        parser.add_argument("--to", dest="year_to", type=int, metavar="YEAR")
        parser.add_argument("--limit", type=int, default=20, help="最多列出几条，0 为全部")
        parser.add_argument("--format", choices=["json", "text"], default="text")

    def handle(self, *args, query, alliance, section, year_from, year_to, limit, format, **opts):
        if limit < 0:
            raise JianbaoError("--limit 不能为负数")
        results = search_articles(
            " ".join(query),
            alliance=_find_alliance(alliance) if alliance else None,
            section=section,
            year_from=year_from,
            year_to=year_to,
        )
        hits = results[:] if limit == 0 else results[:limit]
        rows = [
            {
                "issue": hit.issue.key,
                "title": hit.article.title,
                "section": hit.article.section.title,
                "alliances": [a.name for a in hit.alliances],
                "snippet": hit.snippet_text,
                "url": f"/articles/{hit.article.pk}/",
            }
            for hit in hits
        ]
        if format == "json":
            self.write_json({"total": results.count(), "results": rows})
            return
        self.stdout.write(f"共 {results.count()} 篇")
        for row in rows:
            self.stdout.write(
                f"{row['issue']}\t{row['section']}\t{row['title']}\n\t{row['snippet']}"
            )


def _find_alliance(name: str) -> Organisation:
    matches = list(Organisation.objects.filter(Q(name=name) | Q(names__name=name)).distinct()[:2])
    if len(matches) != 1:
        raise JianbaoError(f"名录中没有名为“{name}”的联盟")
    return matches[0]
