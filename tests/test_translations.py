"""Every translatable string has a Vietnamese translation, and the compiled catalogue matches it."""

from __future__ import annotations

import gettext
import shutil
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

PO = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (make test installs it)")
def test_every_translatable_string_has_a_vietnamese_translation(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # makemessages writes to the locale folder nearest the sources it walks, so it walks a scratch tree
    # that links to the sources and holds a copy of the catalogue: the real one is never touched.
    work = tmp_path / "src"
    work.mkdir()
    for name in ("cdtt", "config"):
        (work / name).symlink_to(Path(settings.BASE_DIR) / name)
    target = work / "locale" / "vi" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(PO, target / "django.po")
    before = PO.read_bytes()
    settings.LOCALE_PATHS = [work / "locale"]
    monkeypatch.chdir(work)
    call_command("makemessages", locale=["vi"], verbosity=0, no_obsolete=True, symlinks=True)
    assert PO.read_bytes() == before
    catalogue = polib.pofile(str(target / "django.po"))
    assert len(catalogue) > 500  # the walk found the sources
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
