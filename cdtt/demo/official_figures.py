"""The demo's two files of official figures (``figures/``), to try the import of official figures and of figures
before 2025 on; built from rows so the tests can build files the same way.

``python -m cdtt.demo.official_figures`` writes them again: official figures of the demo's Hà Nội communes (and of
the other communes the old Xã Bát Tràng was divided into, so that sharing by population works), and the
2023 figures of some of their old communes as a province kept them (old province, district, commune).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parent / "figures"
OFFICIAL_FILE = SAMPLES / "so-lieu-chinh-thuc-ha-noi-2026.xlsx"
LEGACY_FILE = SAMPLES / "so-lieu-2023-don-vi-cu-ha-noi.xlsx"

OFFICIAL_HEADER = ("Mã xã", "Tên xã", "Chỉ tiêu", "Kỳ", "Giá trị", "Nguồn")
LEGACY_HEADER = ("Tỉnh", "Huyện", "Xã", "Chỉ tiêu", "Kỳ", "Giá trị")

_POLICE = "Công an thành phố (Đề án 06)"
_BANK = "Ngân hàng Nhà nước chi nhánh khu vực"
_PORTAL = "Cổng Dịch vụ công quốc gia"
_STATS = "Thống kê thành phố"

# code, name, level-2 activations, e-payment accounts, online dossiers, population, households (2026)
_COMMUNES = (
    ("00583", "Xã Bát Tràng", 9850, 4120, 2310, 38750, 10240),
    ("00004", "Phường Ba Đình", 52100, 30450, 12800, 65800, 19400),
    ("09700", "Xã Ba Vì", 14200, 5100, 1950, 31200, 8400),
    ("00376", "Xã Sóc Sơn", 21400, 9800, 4650, 56900, 15100),
    # The other communes the old Xã Bát Tràng went into: population only, for the population-share rule.
    ("00148", "Phường Long Biên", None, None, None, 118300, 33600),
    ("00565", "Xã Gia Lâm", None, None, None, 95400, 26800),
)


def official_rows(year: int = 2026) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for code, name, level2, accounts, dossiers, population, households in _COMMUNES:
        for figure, value, source in (
            ("Định danh điện tử mức 2", level2, _POLICE),
            ("Tài khoản thanh toán điện tử", accounts, _BANK),
            ("Hồ sơ dịch vụ công trực tuyến", dossiers, _PORTAL),
            ("Dân số", population, _STATS),
            ("Số hộ", households, _STATS),
        ):
            if value is not None:
                rows.append((code, name, figure, str(year), value, source))
    return rows


# old district, old commune (as written in 2023: type words and accents as provinces wrote them), level 2,
# accounts, dossiers
_OLD_COMMUNES = (
    ("Huyện Gia Lâm", "Xã Bát Tràng", 2150, 880, 410),  # divided: Bát Tràng, Long Biên, Gia Lâm
    ("Huyện Gia Lâm", "Xã Kim Đức", 1720, 640, 300),
    ("Huyện Gia Lâm", "Xã Đa Tốn", 3890, 1410, 620),  # divided: Bát Tràng, Gia Lâm
    ("Quận Ba Đình", "Phường Trúc Bạch", 4100, 2600, 1150),
    ("Quận Ba Đình", "Phường Quán Thánh", 5200, 3100, 1380),
    ("Huyện Ba Vì", "Xã Ba Vì", 1250, 310, 120),
    ("Huyện Ba Vì", "Xã Khánh Thượng", 2240, 560, 190),
    ("Huyện Sóc Sơn", "Thị trấn Sóc Sơn", 6100, 2900, 1320),
    ("Huyện Sóc Sơn", "xa Phu Linh", 2300, 800, 330),  # written without accents, as some sheets were
)


def legacy_rows(year: int = 2023) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for district, commune, level2, accounts, dossiers in _OLD_COMMUNES:
        for indicator, value in (
            ("Số người được kích hoạt định danh điện tử mức 2", level2),
            ("Số tài khoản thanh toán điện tử mở mới", accounts),
            ("Số hồ sơ dịch vụ công trực tuyến được hỗ trợ nộp", dossiers),
        ):
            rows.append(("Thành phố Hà Nội", district, commune, indicator, str(year), value))
    return rows


def xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "") -> bytes:
    """A workbook with an optional title line, the header and the rows (text kept as text)."""
    from cdtt.core.sheets import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    if title:
        sheet.append([title])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write() -> None:
    SAMPLES.mkdir(exist_ok=True)
    OFFICIAL_FILE.write_bytes(
        xlsx(OFFICIAL_HEADER, official_rows(), title="Số liệu chính thức các xã, phường năm 2026 (Thành phố Hà Nội)")
    )
    LEGACY_FILE.write_bytes(
        xlsx(LEGACY_HEADER, legacy_rows(), title="Kết quả chuyển đổi số cộng đồng năm 2023 (theo đơn vị hành chính cũ)")
    )


if __name__ == "__main__":
    write()
