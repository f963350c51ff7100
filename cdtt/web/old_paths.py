"""The English page paths used until December 2026 and their Vietnamese replacements (issue 18.5).

The users read Vietnamese, so every page path is a Vietnamese slug without diacritics. Bookmarks, links in old
messages and printed QR codes still carry the old paths: each old path answers with a permanent redirect to the
new one, keeping its ids and query string. The new paths were made by translating the old ones segment by
segment, so one table per old prefix is enough to translate any deep path.

Kept as they were, on purpose (machine paths that something outside the platform stores):
- ``app/``: the installed phone app (PWA) has ``/app/`` baked in as its start address and service-worker
  scope, and a browser refuses a redirected service-worker script, so moving it would strand installed phones.
- ``channels/zalo/webhook``: the address registered in the Zalo Official Account's settings; Zalo does not
  follow redirects. (The Zalo pages people open moved to ``zalo/``.)
- ``api/v1/``, ``healthz``, ``metrics``: clients, monitoring and the phone app call them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class OldPrefix:
    new: str  # the new prefix ("" when the old prefix is simply dropped)
    segments: dict[str, str] = field(default_factory=dict)  # old path segment -> new one; others are kept


OLD_PREFIXES: dict[str, OldPrefix] = {
    "login": OldPrefix("dang-nhap"),
    "logout": OldPrefix("dang-xuat"),
    "me": OldPrefix("ca-nhan", {"password": "mat-khau", "tokens": "ma-truy-cap", "revoke": "thu-hoi"}),
    "accounts": OldPrefix(
        "tai-khoan",
        {
            "new": "moi",
            "grant": "cap-quyen",
            "roles": "vai-tro",
            "revoke": "thu-hoi",
            "active": "trang-thai",
            "password": "mat-khau",
            "devices": "thiet-bi",
        },
    ),
    "audit": OldPrefix("nhat-ky"),
    "units": OldPrefix("don-vi", {"villages": "thon", "new": "moi", "edit": "sua", "retire": "ngung"}),
    "imports": OldPrefix(
        "nhap-du-lieu",
        {
            "villages": "thon",
            "teams": "to",
            "households": "ho",
            "jobs": "lan-nhap",
            "template.xlsx": "mau.xlsx",
            "export.xlsx": "danh-sach.xlsx",
            "confirm": "xac-nhan",
            "cancel": "huy",
            "decide": "quyet-dinh",
        },
    ),
    "teams": OldPrefix(
        "to-cong-nghe",
        {
            "me": "cua-toi",
            "commune": "xa",
            "village": "thon",
            "new": "moi",
            "group": "nhom",
            "members": "thanh-vien",
            "add": "them",
            "leave": "roi-to",
            "replace": "thay-the",
            "edit": "sua",
            "account": "tai-khoan",
            "dissolve": "giai-the",
            "decisions": "quyet-dinh",
            "sign": "ky",
            "scan": "ban-quet",
            "scan.pdf": "ban-quet.pdf",
        },
    ),
    "households": OldPrefix(
        "ho-gia-dinh",
        {
            "new": "moi",
            "coverage": "do-phu",
            "edit": "sua",
            "adoption": "su-dung",
            "residents": "nhan-khau",
            "privacy": "du-lieu-ca-nhan",
            "register": "ho-so-xu-ly",
            "requests": "yeu-cau",
            "export.json": "xuat.json",
            "export.docx": "xuat.docx",
            "consents": "dong-y",
            "withdraw": "rut",
        },
    ),
    "channels": OldPrefix(""),  # channels/zalo/lien-ket/ -> zalo/lien-ket/ (the webhook itself stays)
}


def new_path(old: str, rest: str) -> str:
    """The new path (with a leading slash) for the old prefix ``old`` followed by ``rest``."""
    prefix = OLD_PREFIXES[old]
    parts = [prefix.segments.get(part, part) for part in rest.split("/")]
    return "/" + "/".join([prefix.new, *parts]).lstrip("/")
