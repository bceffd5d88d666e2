from django.db.models import Count

from jianbao.core.commands import JianbaoCommand
from jianbao.core.errors import JianbaoError
from jianbao.core.text import pinyin_key
from jianbao.network.models import Organisation, OrganisationName
from jianbao.network.services import find_organisation, merge_alliances, merge_suggestions


class Command(JianbaoCommand):
    help = (
        "列出联盟登记（含简称与其他名称）；merges 列出建议合并的名称；"
        "merge A B 经管理员确认后把 B 并入 A"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "action", nargs="?", choices=["list", "merges", "merge"], default="list"
        )
        parser.add_argument("names", nargs="*", help="merge 时：保留的名称、并入的名称")
        parser.add_argument("--format", choices=["json", "text"], default="text")
        parser.add_argument("--all", action="store_true", help="也列出联盟以外的单位")
        parser.add_argument(
            "--by", default="", metavar="姓名", help="merge 时：确认合并的人（记入历史）"
        )

    def handle(self, *args, action, names, format, all, by, **options):
        if action == "merges":
            return self.list_merges(format)
        if action == "merge":
            return self.merge(names, by.strip())
        orgs = Organisation.objects.prefetch_related("names").annotate(
            article_count=Count("mentioned_in", distinct=True)
        )
        if not all:
            orgs = orgs.filter(kind=Organisation.Kind.ALLIANCE)
        rows = []
        for org in sorted(orgs, key=lambda o: pinyin_key(o.name)):
            names = list(org.names.all())
            rows.append(
                {
                    "name": org.name,
                    "kind": org.kind,
                    "kinds": org.kinds,
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

    def list_merges(self, format):
        suggestions = merge_suggestions()
        if format == "json":
            self.write_json(
                [
                    {"a": s.a, "b": s.b, "confidence": s.confidence, "reason": s.reason}
                    for s in suggestions
                ]
            )
            return
        for s in suggestions:
            self.stdout.write(f"{s.confidence:.2f}\t{s.a} ← {s.b}\t{s.reason}")

    def merge(self, names, by_name: str):
        if len(names) != 2:
            raise JianbaoError("用法：jianbao alliances merge 保留的名称 并入的名称")
        canonical, other = (self.alliance(n) for n in names)
        if canonical.pk == other.pk:
            raise JianbaoError(f"“{names[1]}”已是“{canonical.name}”的名称，无需合并")
        merge_alliances(canonical, other, by=None, actor_name=by_name)
        self.stdout.write(f"已将“{names[1]}”并入“{canonical.name}”")

    def alliance(self, name: str) -> Organisation:
        org = find_organisation(name)
        if org is None:
            raise JianbaoError(f"没有名为“{name}”的联盟")
        return org
