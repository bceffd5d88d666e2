from django.db.models import Count

from jianbao.core.commands import JianbaoCommand
from jianbao.network.models import Organisation, OrganisationName


class Command(JianbaoCommand):
    help = "列出联盟登记（含简称与其他名称）"

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "text"], default="text")
        parser.add_argument("--all", action="store_true", help="也列出联盟以外的单位")

    def handle(self, *args, format, all, **options):
        orgs = Organisation.objects.prefetch_related("names").annotate(
            article_count=Count("mentioned_in", distinct=True)
        )
        if not all:
            orgs = orgs.filter(kind=Organisation.Kind.ALLIANCE)
        rows = []
        for org in orgs.order_by("name"):
            names = list(org.names.all())
            rows.append(
                {
                    "name": org.name,
                    "kind": org.kind,
                    "short_names": [n.name for n in names if n.kind == OrganisationName.Kind.SHORT],
                    "other_names": [n.name for n in names if n.kind == OrganisationName.Kind.OTHER],
                    "articles": org.article_count,
                }
            )
        if format == "json":
            self.write_json(rows)
            return
        for row in rows:
            also = "、".join(row["short_names"] + row["other_names"])
            self.stdout.write(
                f"{row['name']}" + (f"（{also}）" if also else "") + f"\t{row['articles']} 篇"
            )
