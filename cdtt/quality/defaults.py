"""The default rule catalogue (Vietnamese: officers read it). Loaded by a data migration; editable after.

The services read the rows; a rule whose row is missing (a database emptied by a test) falls back to the
values here, so the checks never stop because the catalogue was not loaded.
"""

from __future__ import annotations

# code, name, description, timing, threshold, what the threshold means
RULES: list[tuple[str, str, str, str, float, str]] = [
    (
        "capacity",
        "Vượt quá số người, số hộ trong địa bàn",
        "Số người (hoặc số hộ) một buổi tuyên truyền, sinh hoạt nhóm ghi nhận đã tiếp cận ở một thôn hoặc một xã "
        "không được vượt quá số nhân khẩu (số hộ) của thôn, xã đó theo sổ theo dõi hộ gia đình (hoặc số liệu dân số "
        "chính thức khi sổ chưa đầy đủ). Khi sổ chưa có hộ nào của địa bàn thì không kiểm tra.",
        "record",
        1.0,
        "Tỷ lệ tối đa so với số người, số hộ của địa bàn (1 = 100%)",
    ),
    (
        "rate",
        "Ghi nhận quá nhiều trong một ngày",
        "Một thành viên ghi nhận trong một ngày quá nhiều hoạt động được tính cho cùng một chỉ tiêu "
        "(ví dụ 300 lượt kích hoạt VNeID trong một buổi chiều).",
        "record",
        40.0,
        "Số hoạt động tối đa của một người trong một ngày, cho một chỉ tiêu",
    ),
    (
        "outlier",
        "Số liệu bất thường so với các kỳ trước và các đơn vị cùng cấp",
        "Số liệu tháng của một thôn, một xã khác xa cả số liệu các tháng trước của chính đơn vị đó lẫn số liệu "
        "cùng tháng của các đơn vị cùng cấp (điểm z hiệu chỉnh theo trung vị và độ lệch tuyệt đối trung vị, "
        "MAD). Kiểm tra hằng ngày.",
        "daily",
        3.5,
        "Điểm z hiệu chỉnh tối đa (|M| lớn hơn ngưỡng là bất thường)",
    ),
    (
        "duplicate",
        "Trùng lặp công sức",
        "Cùng một hộ (một người) và cùng một nội dung được ghi nhận hai lần, bởi hai thành viên hoặc bởi cùng "
        "một thành viên.",
        "record",
        0.0,
        "",
    ),
    (
        "backdating",
        "Ghi lùi ngày vào kỳ đã được duyệt báo cáo",
        "Hoạt động được ghi cho một kỳ mà báo cáo của thôn hoặc xã đã được phê duyệt: số liệu đã duyệt sẽ thay đổi.",
        "record",
        0.0,
        "",
    ),
]
