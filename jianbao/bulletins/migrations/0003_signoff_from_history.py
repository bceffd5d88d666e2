"""The printed names move from editable columns into the history.

Imported issues keep the names their file printed on their import event;
desk issues already have them in their submit/approve/sign events.
"""

import django.db.models.deletion
from django.db import migrations, models


def names_into_history(apps, schema_editor):
    Issue = apps.get_model("bulletins", "Issue")
    IssueEvent = apps.get_model("bulletins", "IssueEvent")
    for issue in Issue.objects.all():
        names = {
            "editor": issue.editor_name,
            "reviewer": issue.reviewer_name,
            "signer": issue.signer_name,
            "date": issue.date.isoformat() if issue.date else None,
        }
        last_import = (
            IssueEvent.objects.filter(issue=issue, action__in=("imported", "replaced"))
            .order_by("-created_at", "-id")
            .first()
        )
        if last_import is not None:
            IssueEvent.objects.filter(pk=last_import.pk).update(data=names)


class Migration(migrations.Migration):
    dependencies = [("bulletins", "0002_desk")]

    operations = [
        migrations.AddField(
            model_name="issueevent",
            name="data",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(names_into_history, migrations.RunPython.noop),
        migrations.RemoveField(model_name="issue", name="editor_name"),
        migrations.RemoveField(model_name="issue", name="reviewer_name"),
        migrations.RemoveField(model_name="issue", name="signer_name"),
        migrations.AddField(
            model_name="article",
            name="version",
            field=models.PositiveIntegerField(default=1, verbose_name="版本"),
        ),
        migrations.AlterField(
            model_name="issue",
            name="state",
            field=models.CharField(
                choices=[
                    ("editing", "编辑中"),
                    ("review", "待审核"),
                    ("signing", "待签发"),
                    ("signed", "已签发"),
                    ("published", "已发布"),
                    ("withdrawn", "已撤回"),
                ],
                default="editing",
                max_length=20,
                verbose_name="状态",
            ),
        ),
        migrations.AlterField(
            model_name="issueevent",
            name="issue",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="bulletins.issue",
            ),
        ),
        migrations.AlterField(
            model_name="issuerevision",
            name="issue",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="revisions",
                to="bulletins.issue",
            ),
        ),
    ]
