"""The default catalogue: the guidance's platforms and today's national indicators (research §2).

Loaded by ``python manage.py load_catalog``; every entry is data and stays editable afterwards. Names
are Vietnamese because they are what officers and households read.
"""

from __future__ import annotations

from typing import Any

# code, name, operator, pillar, link, outcomes [(code, name, adoption item code or None)]
PLATFORMS: list[tuple[str, str, str, str, str, list[tuple[str, str, str | None]]]] = [
    (
        "vneid",
        "Ứng dụng định danh điện tử VNeID",
        "Bộ Công an",
        "government",
        "https://vneid.gov.vn",
        [
            ("installed", "Đã cài đặt VNeID", "vneid_installed"),
            ("level2", "Đã kích hoạt định danh điện tử mức 2", "vneid_level2"),
        ],
    ),
    (
        "dvc",
        "Cổng Dịch vụ công quốc gia",
        "Văn phòng Chính phủ",
        "government",
        "https://dichvucong.gov.vn",
        [
            ("dossier", "Đã nộp hồ sơ trực tuyến", "online_public_service"),
            ("payment", "Đã thanh toán phí, lệ phí trực tuyến", "online_public_service"),
        ],
    ),
    (
        "signature",
        "Chữ ký số cá nhân",
        "Tổ chức cung cấp dịch vụ chứng thực chữ ký số",
        "government",
        "",
        [("issued", "Đã được cấp chữ ký số", "digital_signature")],
    ),
    (
        "epayment",
        "Tài khoản thanh toán, ví điện tử",
        "Ngân hàng, tổ chức trung gian thanh toán",
        "economy",
        "",
        [("opened", "Đã mở tài khoản thanh toán", "epayment"), ("paid", "Đã thanh toán không dùng tiền mặt", None)],
    ),
    (
        "ecommerce",
        "Sàn thương mại điện tử (Voso, Postmart, ...)",
        "Viettel, Bưu điện Việt Nam",
        "economy",
        "https://postmart.vn",
        [("stall", "Đã mở gian hàng", "ecommerce_stall"), ("sold", "Đã bán hàng trực tuyến", None)],
    ),
    (
        "ehealth",
        "Sổ sức khỏe điện tử",
        "Bộ Y tế",
        "society",
        "",
        [("book", "Đã có sổ sức khỏe điện tử", "ehealth_book")],
    ),
    (
        "vssid",
        "VssID - Bảo hiểm xã hội số",
        "Bảo hiểm xã hội Việt Nam",
        "society",
        "https://vssid.baohiemxahoi.gov.vn",
        [("installed", "Đã cài đặt VssID", None)],
    ),
    (
        "bdhvs",
        "Bình dân học vụ số",
        "Bộ Công an",
        "society",
        "https://binhdanhocvuso.gov.vn",
        [("enrolled", "Đã đăng ký học", None), ("completed", "Đã hoàn thành khóa học", "digital_skills")],
    ),
    (
        "onetouch",
        "OneTouch - Nền tảng học trực tuyến mở",
        "Bộ Khoa học và Công nghệ",
        "society",
        "https://onetouch.mic.gov.vn",
        [("completed", "Đã hoàn thành khóa học", "digital_skills")],
    ),
    (
        "village_group",
        "Nhóm Zalo của thôn",
        "Tổ công nghệ số cộng đồng",
        "society",
        "",
        [("joined", "Đã tham gia nhóm", "village_group")],
    ),
]

# code, name, measure, pillar, method, settings
INDICATORS: list[tuple[str, str, str, str, str, dict[str, Any]]] = [
    ("vneid_level2", "Số người được kích hoạt định danh điện tử mức 2", "people", "government",
     "residents_reached", {"item": "vneid_level2"}),
    ("vneid_installed", "Số người được hướng dẫn cài đặt VNeID", "people", "government",
     "residents_reached", {"item": "vneid_installed"}),
    ("online_dossiers", "Số hồ sơ dịch vụ công trực tuyến được hỗ trợ nộp", "dossiers", "government",
     "activity_count", {"kinds": ["guidance"], "platform": "dvc", "outcomes": ["dossier"]}),
    ("online_service_people", "Số người đã sử dụng dịch vụ công trực tuyến", "people", "government",
     "residents_reached", {"item": "online_public_service"}),
    ("digital_signatures", "Số người có chữ ký số cá nhân", "people", "government",
     "residents_reached", {"item": "digital_signature"}),
    ("epayment_accounts", "Số tài khoản thanh toán điện tử mở mới", "accounts", "economy",
     "activity_count", {"kinds": ["guidance"], "platform": "epayment", "outcomes": ["opened"]}),
    ("epayment_people", "Số người có tài khoản thanh toán điện tử", "people", "economy",
     "residents_reached", {"item": "epayment"}),
    ("ecommerce_stalls", "Số hộ có gian hàng trên sàn thương mại điện tử", "households", "economy",
     "households_reached", {"item": "ecommerce_stall"}),
    ("ehealth_books", "Số người có sổ sức khỏe điện tử", "people", "society",
     "residents_reached", {"item": "ehealth_book"}),
    ("digital_skills", "Số người hoàn thành khóa học kỹ năng số (Bình dân học vụ số, OneTouch)", "people",
     "society", "residents_reached", {"item": "digital_skills"}),
    ("village_group_households", "Số hộ tham gia nhóm Zalo của thôn", "households", "society",
     "households_reached", {"item": "village_group"}),
    ("guidance_visits", "Số lượt hướng dẫn hộ gia đình", "times", "society",
     "activity_count", {"kinds": ["guidance"]}),
    ("propaganda_sessions", "Số buổi tuyên truyền", "sessions", "society",
     "activity_count", {"kinds": ["propaganda"]}),
    ("group_sessions", "Số buổi hướng dẫn theo nhóm", "sessions", "society",
     "activity_count", {"kinds": ["group"]}),
    ("people_reached", "Số lượt người được tuyên truyền, hướng dẫn theo nhóm", "times", "society",
     "activity_reach", {"kinds": ["propaganda", "group"]}),
    ("register_households", "Số hộ trong sổ theo dõi", "households", "society",
     "register", {"metric": "households"}),
    ("register_adults", "Số người từ 15 tuổi trong sổ theo dõi", "people", "society",
     "register", {"metric": "adults"}),
    ("register_members", "Số nhân khẩu trong sổ theo dõi", "people", "society",
     "register", {"metric": "members"}),
    # What a team reports by chat: people guided on a platform at a session, counted as they are reported.
    ("vneid_guided", "Số người được hướng dẫn sử dụng VNeID", "people", "government",
     "activity_reach", {"kinds": ["group"], "platform": "vneid"}),
    ("dvc_guided", "Số người được hướng dẫn sử dụng dịch vụ công trực tuyến", "people", "government",
     "activity_reach", {"kinds": ["group"], "platform": "dvc"}),
    ("epayment_guided", "Số người được hướng dẫn thanh toán điện tử", "people", "economy",
     "activity_reach", {"kinds": ["group"], "platform": "epayment"}),
    ("propaganda_people", "Số người nghe tuyên truyền", "people", "society",
     "activity_reach", {"kinds": ["propaganda"]}),
    # The same reports counted in households ("bc thanh toan 3 ho"): the activity's households reached.
    ("epayment_households_guided", "Số hộ được hướng dẫn thanh toán điện tử", "households", "economy",
     "activity_reach", {"kinds": ["group"], "platform": "epayment", "reach": "households"}),
    ("propaganda_households", "Số hộ được tuyên truyền", "households", "society",
     "activity_reach", {"kinds": ["propaganda"], "reach": "households"}),
    ("vneid_level2_rate", "Tỷ lệ người từ 15 tuổi đã kích hoạt định danh điện tử mức 2", "percent", "government",
     "ratio", {"numerator": "vneid_level2", "denominator": "register_adults"}),
    ("epayment_rate", "Tỷ lệ người từ 15 tuổi có tài khoản thanh toán điện tử", "percent", "economy",
     "ratio", {"numerator": "epayment_people", "denominator": "register_adults"}),
    ("village_group_rate", "Tỷ lệ hộ tham gia nhóm Zalo của thôn", "percent", "society",
     "ratio", {"numerator": "village_group_households", "denominator": "register_households"}),
]  # fmt: skip

# The words a chat report may use for an indicator besides its code (folded: lower case, no diacritics).
ALIASES: dict[str, list[str]] = {
    "vneid_guided": ["vneid", "dinh danh", "dinh danh dien tu"],
    "dvc_guided": ["dvc", "dich vu cong", "dvctt"],
    "epayment_guided": ["thanh toan", "thanh toan dien tu", "vi dien tu"],
    "propaganda_people": ["tuyen truyen", "tt"],
    # The same words name the households' indicators: a unit word ("nguoi", "ho") tells them apart.
    "epayment_households_guided": ["thanh toan", "thanh toan dien tu", "vi dien tu"],
    "propaganda_households": ["tuyen truyen", "tt"],
}

VALID_FROM = 2025  # the year the commune-level reorganisation took effect
