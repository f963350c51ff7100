"""The default adoption catalogue and the register of processing (data; editable later)."""

from django.db import migrations

ITEMS = [
    ("smartphone", "Có điện thoại thông minh", "both"),
    ("vneid_installed", "Đã cài đặt ứng dụng VNeID", "resident"),
    ("vneid_level2", "Đã kích hoạt định danh điện tử mức 2", "resident"),
    ("epayment", "Có tài khoản thanh toán điện tử", "both"),
    ("online_public_service", "Đã sử dụng dịch vụ công trực tuyến", "both"),
    ("ecommerce_stall", "Có gian hàng trên sàn thương mại điện tử", "household"),
    ("ehealth_book", "Có sổ sức khỏe điện tử", "resident"),
    ("digital_skills", "Hoàn thành khóa học kỹ năng số (Bình dân học vụ số / OneTouch)", "resident"),
    ("digital_signature", "Có chữ ký số cá nhân", "resident"),
    ("village_group", "Tham gia nhóm Zalo của thôn", "household"),
]

BASIS = (
    "Thực hiện nhiệm vụ của cơ quan nhà nước theo quy định của pháp luật về chuyển đổi số "
    "(Quyết định 749/QĐ-TTg; Văn bản 793/BTTTT-THH) và Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15, "
    "Nghị định 356/2025/NĐ-CP; số điện thoại và thông tin thành viên hộ được xử lý khi có sự đồng ý của chủ thể."
)
ACTIVITIES = [
    (
        "household_register",
        "Sổ theo dõi hộ gia đình và mức độ sử dụng nền tảng số",
        "Hướng dẫn, hỗ trợ người dân sử dụng dịch vụ công trực tuyến và các nền tảng số; theo dõi kết quả "
        "thực hiện chỉ tiêu chuyển đổi số của thôn, xã.",
        "Họ tên chủ hộ, địa chỉ, số điện thoại, số thành viên, số người từ 15 tuổi, điện thoại thông minh, "
        "kết nối Internet; trạng thái sử dụng nền tảng số (chỉ lưu cờ trạng thái, không lưu tài khoản, mật khẩu, "
        "số hay ảnh căn cước).",
        "Trong thời gian hộ cư trú tại thôn; xóa thông tin cá nhân khi có yêu cầu hợp lệ.",
        "UBND xã; Tổ công nghệ số cộng đồng của thôn. Cấp tỉnh, trung ương và doanh nghiệp chỉ nhận số liệu tổng hợp.",
    ),
    (
        "residents",
        "Thông tin thành viên hộ gia đình",
        "Hỗ trợ từng người dân cài đặt, kích hoạt và sử dụng các nền tảng số.",
        "Họ tên, năm sinh, giới tính, quan hệ với chủ hộ, số điện thoại; trạng thái sử dụng nền tảng số.",
        "Trong thời gian hộ cư trú tại thôn; xóa khi có yêu cầu hợp lệ hoặc khi rút lại sự đồng ý.",
        "UBND xã; Tổ công nghệ số cộng đồng của thôn.",
    ),
]


def forwards(apps, schema_editor):
    AdoptionItem = apps.get_model("households", "AdoptionItem")
    ProcessingActivity = apps.get_model("households", "ProcessingActivity")
    for order, (code, name, applies_to) in enumerate(ITEMS, 1):
        AdoptionItem.objects.update_or_create(code=code, defaults={"name": name, "applies_to": applies_to, "order": order})
    for code, name, purpose, categories, retention, recipients in ACTIVITIES:
        ProcessingActivity.objects.update_or_create(
            code=code,
            defaults={
                "name": name, "purpose": purpose, "legal_basis": BASIS, "data_categories": categories,
                "retention": retention, "recipients": recipients, "notice_version": "1.0",
            },
        )


class Migration(migrations.Migration):
    dependencies = [("households", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
