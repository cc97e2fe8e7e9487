from __future__ import annotations

from django.db import migrations


def install(apps, schema_editor):
    from programs.library_sync import sync_shared_library

    sync_shared_library(
        apps.get_model("programs", "Exercise"),
        apps.get_model("programs", "ExerciseCue"),
        apps.get_model("programs", "Program"),
        apps.get_model("programs", "ProgramItem"),
    )


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
