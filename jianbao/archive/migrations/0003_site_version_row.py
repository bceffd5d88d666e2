"""The one SiteVersion row exists from the start, so that ETags are stable before
the first publish.  Content stored before this app existed is not indexed:
run ``jianbao reindex`` once after upgrading such a database."""

from django.db import migrations
from django.utils import timezone


def create_row(apps, schema_editor):
    SiteVersion = apps.get_model("archive", "SiteVersion")
    SiteVersion.objects.get_or_create(pk=1, defaults={"number": 0, "changed_at": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [("archive", "0002_fulltext_index")]

    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
