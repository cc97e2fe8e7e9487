from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_translations(sender, apps=None, **kwargs) -> None:
    """The built-in exercises' translations follow programs.content.translations after
    every migrate (make run, make test, the release step): new translated content needs
    no migration of its own. Writes only what changed."""
    if apps is None:  # a flush (tests) sends the signal without the migration state
        from django.apps import apps
    try:
        Exercise = apps.get_model("programs", "Exercise")
        ExerciseTranslation = apps.get_model("programs", "ExerciseTranslation")
    except LookupError:  # migrating backwards, before the table exists
        return
    from programs.library_sync import sync_library_translations

    sync_library_translations(Exercise, ExerciseTranslation)


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Programs"

    def ready(self) -> None:
        post_migrate.connect(_sync_translations, sender=self, dispatch_uid="programs-translations")
