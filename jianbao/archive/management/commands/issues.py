from jianbao.archive.links import issue_ref
from jianbao.bulletins.models import Issue
from jianbao.core.commands import JianbaoCommand


class Command(JianbaoCommand):
    help = "列出归档中的各期简报"

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "text"], default="text")

    def handle(self, *args, format, **options):
        issues = Issue.objects.select_related("series").order_by("-year", "-number")
        rows = [
            {
                "ref": issue_ref(i),
                "series": i.series.title,
                "year": i.year,
                "number": i.number,
                "running_number": i.running_number,
                "date": i.date.isoformat() if i.date else None,
                "state": i.state,
                "state_label": i.get_state_display(),
            }
            for i in issues
        ]
        if format == "json":
            self.write_json(rows)
            return
        for row in rows:
            self.stdout.write(
                f"{row['ref']}\t总第{row['running_number']}期\t"
                f"{row['date'] or '—'}\t{row['state_label']}"
            )
