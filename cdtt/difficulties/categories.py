"""A first guess of a difficulty's category from the words of its text (a chat message, a form's description).

Conservative on purpose: a category is guessed only when the words point to exactly one; several or none
give OTHER, and the handling unit can change the category in the platform (``difficulty_set_category``).
The keywords are folded (lower case, no diacritics) and match whole words only; a few are kept from matching
inside common phrases that mean something else ("trả lời" is not a fault, "tiến độ" is not money).
"""

from __future__ import annotations

import re

from cdtt.core.text import fold
from cdtt.difficulties.models import Category

# category -> folded keywords, as regular expressions (mostly plain words).
KEYWORDS: dict[str, tuple[str, ...]] = {
    Category.CONNECTIVITY: (
        "mat song",
        "song yeu",
        "khong co song",
        "mat tin hieu",
        "tin hieu yeu",
        r"khong (?:co )?tin hieu",
        r"mang(?! theo| lai| den| ve)",  # "mạng", not "mang theo" (carry along)
        "internet",
        "4g",
        "3g",
        "wifi",
        "wi-fi",
    ),
    Category.DEVICES: ("dien thoai", "thiet bi", "may tinh", "smartphone", "khong co may"),
    Category.PLATFORM_FAULT: (
        r"(?<!tra )(?<!tien )(?<!co )loi(?! ich| khuyen| noi)",  # "lỗi", not "trả lời", "lợi ích", "lời nói"
        "khong dang nhap",
        "khong vao duoc",
        "otp",
        "ung dung bi",
        "he thong",
    ),
    Category.RELUCTANCE: ("khong muon", "ngai", "so lua dao", r"khong tin(?! hieu)", "tu choi"),
    Category.FUNDING: (
        "kinh phi",
        "chi phi",
        # "tiền", not "tiến độ", "thuận tiện", "ưu tiên", "đầu tiên", "phương tiện", "tiến hành", "cải tiến"
        r"(?<!thuan )(?<!uu )(?<!dau )(?<!truoc )(?<!cai )(?<!phuong )tien(?! do| loi| hanh| bo| trinh)",
        "phu cap",
    ),
    Category.TRAINING: ("chua duoc tap huan", "khong biet cach", "chua biet"),
}

_PATTERNS: dict[str, re.Pattern[str]] = {
    category: re.compile(r"(?<![a-z0-9])(?:" + "|".join(words) + r")(?![a-z0-9])")
    for category, words in KEYWORDS.items()
}


def category_guess(text: str) -> str:
    """The category the words of ``text`` point to, or OTHER when they point to none or to several."""
    folded = fold(text or "")
    found = [category for category, pattern in _PATTERNS.items() if pattern.search(folded)]
    return found[0] if len(found) == 1 else Category.OTHER
