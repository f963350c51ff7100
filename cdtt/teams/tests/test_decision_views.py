"""Decision pages: access for every URL, editing and signing a draft, the DOCX download, the signed scan."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.translation import gettext as _
from docx import Document

from cdtt.core.models import AuditEvent
from cdtt.teams import services
from cdtt.teams.models import Decision, DecisionStatus, Membership
from cdtt.teams.services import MemberIn
from conftest import Tree, Users

D = datetime.date
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Path:
    """Uploads go to a temporary folder, never to var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@dataclass
class Decisions:
    signed: Decision  # 15/QĐ-UBND of Tổ dân phố số 1 (C1), with its signed scan
    draft: Decision  # the roster change's draft that will replace it, filled in and ready to sign


def _pdf(name: str = "scan.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def decisions(users: Users, tree: Tree) -> Decisions:
    officer = users.commune_officer
    team = services.team_propose(
        actor=officer,
        commune=tree.c1,
        village=tree.v1,
        joined_on=D(2026, 1, 2),
        members=[
            MemberIn(full_name="Nguyễn Văn An", role="leader", phone="0912345678", is_village_head=True),
            MemberIn(full_name="Trần Thị Bình", role="deputy", organisation="womens_union", gender="female"),
            MemberIn(full_name="Lê Văn Cường", organisation="youth_union"),
            MemberIn(full_name="Phạm Thị Dung", organisation="youth_union", phone="0987654321"),
        ],
    )
    first = team.decisions.get()
    _fill(users, first, "15/QĐ-UBND", D(2026, 1, 5))
    signed = services.decision_sign(actor=officer, decision=first)
    services.decision_attach_scan(actor=officer, decision=signed, upload=_pdf())
    services.member_replace(
        actor=officer,
        membership=Membership.objects.get(member__full_name="Lê Văn Cường"),
        data=MemberIn(full_name="Vũ Thị Giang", organisation="youth_union"),
        on=D(2026, 3, 1),
    )
    draft = Decision.objects.get(supersedes=signed)
    _fill(users, draft, "16/QĐ-UBND", D(2026, 3, 2))
    return Decisions(signed=signed, draft=draft)


def _fill(users: Users, decision: Decision, number: str, day: datetime.date) -> Decision:
    return services.decision_update(
        actor=users.commune_officer,
        decision=decision,
        number=number,
        issued_on=day,
        signer_name="Hoàng Văn Em",
        signer_title="chairman",
        legal_bases=decision.legal_bases,
        proposer=decision.proposer,
        recipients=decision.recipients,
    )


def _url(decision: Decision, suffix: str = "") -> str:
    return f"/to-cong-nghe/quyet-dinh/{decision.pk}/{suffix}"


def _state(decision: Decision) -> tuple[Any, ...]:
    decision.refresh_from_db()
    return (
        decision.status,
        decision.number,
        decision.issued_on,
        decision.signer_name,
        decision.legal_bases,
        decision.signed_scan.name,
    )


def _edit_data(**changes: str) -> dict[str, str]:
    data = {
        "number": "16/QĐ-UBND",
        "issued_on": "2026-03-02",
        "signer_name": "Đỗ Thị Hoa",
        "signer_title": "vice_chairman",
        "legal_bases": "Căn cứ Luật Tổ chức chính quyền địa phương;\n\n  Căn cứ Văn bản số 793/BTTTT-THH;  \n",
        "proposer": "Theo đề nghị của Trưởng phòng Văn hóa - Xã hội.",
        "recipients": "Như Điều 3;\nLưu: VT.",
    }
    return {**data, **changes}


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# -- access, for every URL ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    suffix: str
    manage: bool  # needs MANAGE_TEAMS (else VIEW_TEAMS)
    target: str  # "signed" or "draft"
    ok: int
    data: Callable[[], dict[str, Any]] = field(default=lambda: {})
    done: Callable[[Decisions], bool] | None = None  # the write happened


CASES = [
    Case("detail", "get", "", False, "signed", 200),
    Case("detail of a draft", "get", "", False, "draft", 200),
    Case("docx", "get", "docx/", False, "signed", 200),
    Case("scan download", "get", "ban-quet.pdf", False, "signed", 200),
    Case("edit form", "get", "sua/", True, "draft", 200),
    Case(
        "edit",
        "post",
        "sua/",
        True,
        "draft",
        302,
        data=_edit_data,
        done=lambda d: Decision.objects.get(pk=d.draft.pk).signer_name == "Đỗ Thị Hoa",
    ),
    Case(
        "sign",
        "post",
        "ky/",
        True,
        "draft",
        302,
        done=lambda d: Decision.objects.get(pk=d.draft.pk).status == DecisionStatus.SIGNED,
    ),
    Case(
        "scan upload",
        "post",
        "ban-quet/",
        True,
        "signed",
        302,
        data=lambda: {"scan": _pdf("new.pdf", PDF + b"% the new one\n")},
        done=lambda d: Decision.objects.get(pk=d.signed.pk).signed_scan.read().endswith(b"% the new one\n"),
    ),
]
WRONG_ROLES = {False: ["enterprise_partner", "leader", "nobody"], True: ["team_member", "team_leader", "nobody"]}


def _send(client: Client, case: Case, decisions: Decisions) -> Any:
    decision = getattr(decisions, case.target)
    return getattr(client, case.method)(_url(decision, case.suffix), case.data())


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.dbneutral
def test_anonymous_is_sent_to_sign_in(client: Client, decisions: Decisions, case: Case) -> None:
    before = _state(getattr(decisions, case.target))
    response = _send(client, case, decisions)
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/?next=")
    assert _state(getattr(decisions, case.target)) == before


@pytest.mark.parametrize(
    ("case", "role"),
    [(case, role) for case in CASES for role in WRONG_ROLES[case.manage]],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
@pytest.mark.dbneutral
def test_a_role_without_the_permission_gets_403(
    signed_in: Callable[..., Client], decisions: Decisions, case: Case, role: str
) -> None:
    before = _state(getattr(decisions, case.target))
    response = _send(signed_in(role), case, decisions)
    assert response.status_code == 403
    assert _state(getattr(decisions, case.target)) == before


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.dbneutral
def test_an_officer_of_another_unit_gets_404(
    signed_in: Callable[..., Client], decisions: Decisions, case: Case
) -> None:
    before = _state(getattr(decisions, case.target))
    response = _send(signed_in("outsider"), case, decisions)
    assert response.status_code == 404
    assert _state(getattr(decisions, case.target)) == before


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_commune_officer_is_served(signed_in: Callable[..., Client], decisions: Decisions, case: Case) -> None:
    response = _send(signed_in("commune_officer"), case, decisions)
    assert response.status_code == case.ok, response.content[:500]
    if case.ok == 302:
        assert response["Location"] == _url(getattr(decisions, case.target))
    if case.done is not None:
        assert case.done(decisions)


@pytest.mark.parametrize("suffix", ["", "docx/", "ban-quet.pdf"])
def test_team_members_of_the_village_may_read(
    signed_in: Callable[..., Client], decisions: Decisions, suffix: str
) -> None:
    assert signed_in("team_member").get(_url(decisions.signed, suffix)).status_code == 200


def test_a_missing_decision_and_a_foreign_one_look_the_same(
    signed_in: Callable[..., Client], decisions: Decisions
) -> None:
    client = signed_in("outsider")
    assert (
        client.get(_url(decisions.signed)).status_code
        == client.get("/to-cong-nghe/quyet-dinh/999999/").status_code
        == 404
    )


# -- the detail page ----------------------------------------------------------------------------------


def test_the_detail_page_shows_the_decision_its_links_and_its_roster(
    signed_in: Callable[..., Client], decisions: Decisions
) -> None:
    response = signed_in("commune_officer").get(_url(decisions.signed))
    html = response.content.decode()
    assert "15/QĐ-UBND" in html
    assert "05/01/2026" in html
    assert "Hoàng Văn Em" in html
    assert _url(decisions.draft) in html  # replaced by the draft
    assert _url(decisions.signed, "docx/") in html
    assert _url(decisions.signed, "ban-quet.pdf") in html
    assert _url(decisions.signed, "ban-quet/") in html  # the officer may replace the scan
    assert _url(decisions.signed, "ky/") not in html
    assert _url(decisions.signed, "sua/") not in html
    for name in ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung"]:
        assert name in html
    assert html.index("Nguyễn Văn An") < html.index("Trần Thị Bình")  # leader first
    assert "0912345678" in html
    assert str(decisions.signed.signed_scan.name) not in html  # never a storage path
    assert response["Cache-Control"] == "private, no-store"


def test_the_draft_page_offers_edit_and_sign_and_links_back(
    signed_in: Callable[..., Client], decisions: Decisions
) -> None:
    html = signed_in("commune_officer").get(_url(decisions.draft)).content.decode()
    assert _url(decisions.draft, "sua/") in html
    assert _url(decisions.draft, "ky/") in html
    assert _url(decisions.draft, "ban-quet/") not in html
    assert _url(decisions.signed) in html  # what it replaces
    assert "Vũ Thị Giang" in html and "Lê Văn Cường" not in html


def test_a_team_member_reads_without_actions_and_with_masked_phones(
    signed_in: Callable[..., Client], decisions: Decisions
) -> None:
    client = signed_in("team_member")
    html = client.get(_url(decisions.draft)).content.decode()
    assert _url(decisions.draft, "ky/") not in html and _url(decisions.draft, "sua/") not in html
    assert "0912345678" not in html and "0912***678" in html
    doc = Document(io.BytesIO(client.get(_url(decisions.signed, "docx/")).content))
    phones = [row.cells[6].text for row in doc.tables[-1].rows[1:]]
    assert "0912345678" not in phones and "0912***678" in phones


# -- editing and signing ------------------------------------------------------------------------------


def test_editing_a_draft_saves_one_line_per_basis_and_recipient(
    signed_in: Callable[..., Client], decisions: Decisions
) -> None:
    response = signed_in("commune_officer").post(_url(decisions.draft, "sua/"), _edit_data(), follow=True)
    assert response.redirect_chain[-1][0] == _url(decisions.draft)
    draft = Decision.objects.get(pk=decisions.draft.pk)
    assert draft.legal_bases == ["Căn cứ Luật Tổ chức chính quyền địa phương;", "Căn cứ Văn bản số 793/BTTTT-THH;"]
    assert draft.recipients == ["Như Điều 3;", "Lưu: VT."]
    assert (draft.signer_name, draft.signer_title, draft.issued_on) == ("Đỗ Thị Hoa", "vice_chairman", D(2026, 3, 2))
    assert _("The draft decision was saved.") in _messages(response)
    assert AuditEvent.objects.filter(action="decision.update", target_id=str(draft.pk)).count() == 2


def test_the_edit_form_shows_the_draft(signed_in: Callable[..., Client], decisions: Decisions) -> None:
    html = signed_in("commune_officer").get(_url(decisions.draft, "sua/")).content.decode()
    assert 'value="16/QĐ-UBND"' in html
    assert 'value="2026-03-02"' in html  # ISO, as a date input needs
    assert "Căn cứ Quyết định số 749/QĐ-TTg" in html


def test_a_number_used_by_another_decision_is_refused_and_nothing_changes(
    signed_in: Callable[..., Client], decisions: Decisions
) -> None:
    client = signed_in("commune_officer")
    before = _state(decisions.draft)
    events = AuditEvent.objects.count()
    response = client.post(_url(decisions.draft, "sua/"), _edit_data(number="15/QĐ-UBND", signer_name="Người Khác"))
    assert response.status_code == 400
    message = _("Decision number %(number)s is already used in this commune.") % {"number": "15/QĐ-UBND"}
    assert message in response.context["form"].errors["number"]
    assert message in response.content.decode()
    assert _state(decisions.draft) == before
    assert AuditEvent.objects.count() == events


def test_a_bad_date_is_a_form_error(signed_in: Callable[..., Client], decisions: Decisions) -> None:
    before = _state(decisions.draft)
    response = signed_in("commune_officer").post(_url(decisions.draft, "sua/"), _edit_data(issued_on="hôm qua"))
    assert response.status_code == 400
    assert response.context["form"].errors["issued_on"]
    assert _state(decisions.draft) == before


def test_a_signed_decision_cannot_be_edited(signed_in: Callable[..., Client], decisions: Decisions) -> None:
    before = _state(decisions.signed)
    client = signed_in("commune_officer")
    for response in (
        client.get(_url(decisions.signed, "sua/"), follow=True),
        client.post(_url(decisions.signed, "sua/"), _edit_data(number="99/QĐ-UBND"), follow=True),
    ):
        assert response.redirect_chain[-1][0] == _url(decisions.signed)
        assert _("Only a draft decision can be changed.") in _messages(response)
    assert _state(decisions.signed) == before


def test_signing_puts_the_draft_in_force_and_the_old_decision_out(
    signed_in: Callable[..., Client], decisions: Decisions
) -> None:
    response = signed_in("commune_officer").post(_url(decisions.draft, "ky/"), follow=True)
    assert response.redirect_chain[-1][0] == _url(decisions.draft)
    assert _("The decision was recorded as signed and is now in force.") in _messages(response)
    assert Decision.objects.get(pk=decisions.draft.pk).status == DecisionStatus.SIGNED
    assert Decision.objects.get(pk=decisions.signed.pk).status == DecisionStatus.SUPERSEDED
    assert AuditEvent.objects.filter(action="decision.sign", target_id=str(decisions.draft.pk)).exists()


def test_signing_an_incomplete_draft_says_what_is_missing(
    signed_in: Callable[..., Client], users: Users, tree: Tree
) -> None:
    team = services.team_propose(
        actor=users.commune_officer, commune=tree.c1, village=tree.v2, members=[MemberIn(full_name="Ai Đó")]
    )
    draft = team.decisions.get()
    before = _state(draft)
    response = signed_in("commune_officer").post(_url(draft, "ky/"), follow=True)
    [message] = _messages(response)
    assert message.startswith(_("Before signing, fill in: %(fields)s.").split("%")[0])
    assert _state(draft) == before


def test_signing_asks_for_post(signed_in: Callable[..., Client], decisions: Decisions) -> None:
    response = signed_in("commune_officer").get(_url(decisions.draft, "ky/"))
    assert response.status_code == 302
    assert Decision.objects.get(pk=decisions.draft.pk).status == DecisionStatus.DRAFT


# -- the DOCX -----------------------------------------------------------------------------------------


def test_the_docx_download_is_a_word_file_and_is_audited(
    signed_in: Callable[..., Client], users: Users, tree: Tree, decisions: Decisions
) -> None:
    response = signed_in("commune_officer").get(_url(decisions.signed, "docx/"))
    assert response["Content-Type"] == DOCX_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="QD-15-UBND-to-dan-pho-so-1.docx"'
    assert response["Cache-Control"] == "private, no-store"
    doc = Document(io.BytesIO(response.content))
    assert doc.tables[0].cell(1, 0).paragraphs[0].text == "Số: 15/QĐ-UBND"
    event = AuditEvent.objects.get(action="decision.export")
    assert (event.actor, event.unit, event.target_type, event.target_id) == (
        users.commune_officer,
        tree.c1,
        "teams.decision",
        str(decisions.signed.pk),
    )
    assert event.details["format"] == "docx"


def test_a_draft_downloads_with_a_draft_name(
    signed_in: Callable[..., Client], users: Users, decisions: Decisions
) -> None:
    services.decision_update(
        actor=users.commune_officer,
        decision=decisions.draft,
        number="",
        issued_on=None,
        signer_name="",
        signer_title="chairman",
        legal_bases=decisions.draft.legal_bases,
        proposer=decisions.draft.proposer,
        recipients=decisions.draft.recipients,
    )
    response = signed_in("commune_officer").get(_url(decisions.draft, "docx/"))
    assert response["Content-Disposition"] == 'attachment; filename="QD-du-thao-to-dan-pho-so-1.docx"'
    assert Document(io.BytesIO(response.content)).paragraphs[0].text == "DỰ THẢO"


# -- the signed scan ----------------------------------------------------------------------------------


def test_a_pdf_scan_is_stored_and_served_only_in_scope(
    signed_in: Callable[..., Client], decisions: Decisions, _media: Path
) -> None:
    content = PDF + b"% signed and stamped\n"
    response = signed_in("commune_officer").post(
        _url(decisions.signed, "ban-quet/"), {"scan": _pdf("Quyết định.pdf", content)}, follow=True
    )
    assert _("The signed scan was saved.") in _messages(response)
    decision = Decision.objects.get(pk=decisions.signed.pk)
    stored = Path(decision.signed_scan.path)
    assert stored.read_bytes() == content
    assert stored.is_relative_to(_media)

    download = signed_in("commune_officer").get(_url(decisions.signed, "ban-quet.pdf"))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="QD-15-UBND-to-dan-pho-so-1-ban-ky.pdf"'
    assert download["Cache-Control"] == "private, no-store"
    assert download.getvalue() == content
    assert AuditEvent.objects.filter(action="decision.export", details__format="scan").exists()
    assert signed_in("outsider").get(_url(decisions.signed, "ban-quet.pdf")).status_code == 404
    assert signed_in("enterprise_partner").get(_url(decisions.signed, "ban-quet.pdf")).status_code == 403


@pytest.mark.parametrize(
    ("name", "content"),
    [("scan.pdf", b"GIF89a not a pdf"), ("scan.jpg", b"\xff\xd8\xff\xe0 a photo"), ("empty.pdf", b"")],
)
def test_a_file_that_is_not_a_pdf_is_refused_and_nothing_is_stored(
    signed_in: Callable[..., Client], decisions: Decisions, _media: Path, name: str, content: bytes
) -> None:
    before = _state(decisions.signed)
    files = sorted(_media.rglob("*"))
    response = signed_in("commune_officer").post(
        _url(decisions.signed, "ban-quet/"), {"scan": SimpleUploadedFile(name, content)}, follow=True
    )
    [message] = _messages(response)
    assert message in {_("The signed scan must be a PDF file."), _("Choose the signed scan, a PDF file.")}
    assert _state(decisions.signed) == before
    assert sorted(_media.rglob("*")) == files


def test_an_oversized_scan_is_refused_with_a_message_and_nothing_is_stored(
    signed_in: Callable[..., Client], decisions: Decisions, _media: Path, settings: Any
) -> None:
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    before = _state(decisions.signed)
    files = sorted(_media.rglob("*"))
    just_over = PDF + b"0" * (1024 * 1024)  # over the limit, yet under the request limit of the middleware
    response = signed_in("commune_officer").post(
        _url(decisions.signed, "ban-quet/"), {"scan": _pdf(content=just_over)}, follow=True
    )
    [message] = _messages(response)
    assert message == _("The file is too large (at most %(mb)d MB).") % {"mb": 1}
    assert _state(decisions.signed) == before
    assert sorted(_media.rglob("*")) == files


def test_a_body_far_over_the_limit_is_stopped_before_the_view(
    signed_in: Callable[..., Client], decisions: Decisions, _media: Path, settings: Any
) -> None:
    settings.UPLOAD_MAX_BYTES = 1024
    files = sorted(_media.rglob("*"))
    response = signed_in("commune_officer").post(
        _url(decisions.signed, "ban-quet/"), {"scan": _pdf(content=PDF + b"0" * 200_000)}
    )
    assert response.status_code == 413
    assert sorted(_media.rglob("*")) == files


def test_a_draft_cannot_have_a_scan(signed_in: Callable[..., Client], decisions: Decisions, _media: Path) -> None:
    before = _state(decisions.draft)
    response = signed_in("commune_officer").post(_url(decisions.draft, "ban-quet/"), {"scan": _pdf()}, follow=True)
    assert _messages(response) == [_("Sign the decision before attaching its signed scan.")]
    assert _state(decisions.draft) == before


def test_a_missing_form_file_is_explained(signed_in: Callable[..., Client], decisions: Decisions) -> None:
    response = signed_in("commune_officer").post(_url(decisions.signed, "ban-quet/"), {}, follow=True)
    assert _messages(response) == [_("Choose the signed scan, a PDF file.")]


def test_a_decision_without_a_scan_has_nothing_to_download(
    signed_in: Callable[..., Client], decisions: Decisions
) -> None:
    assert signed_in("commune_officer").get(_url(decisions.draft, "ban-quet.pdf")).status_code == 404
