"""Every translatable string has a Vietnamese translation, and the compiled catalogue matches it."""

from __future__ import annotations

import gettext
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

PO = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (make test installs it)")
def test_every_translatable_string_has_a_vietnamese_translation(tmp_path: Path, settings) -> None:
    target = tmp_path / "vi" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(PO, target / "django.po")
    settings.LOCALE_PATHS = [tmp_path]
    call_command("makemessages", locale=["vi"], verbosity=0, no_obsolete=True, ignore_patterns=["var/*", "bench/*"])
    catalogue = polib.pofile(str(target / "django.po"))
    missing = [entry.msgid for entry in catalogue if not entry.obsolete and (not entry.translated() or entry.fuzzy)]
    assert missing == [], f"{len(missing)} strings lack a Vietnamese translation: {missing[:20]}"


def test_the_compiled_catalogue_matches_the_translations() -> None:
    catalogue = polib.pofile(str(PO))
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [
        entry.msgid
        for entry in catalogue
        if entry.translated() and not entry.msgid_plural and compiled.gettext(entry.msgid) != entry.msgstr
    ]
    assert stale == [], f"locale/vi/LC_MESSAGES/django.mo is out of date (run compilemessages): {stale[:10]}"


def test_vietnamese_is_the_default_language() -> None:
    assert settings.LANGUAGE_CODE == "vi"
