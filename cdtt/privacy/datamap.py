"""Where personal data lives: every dataset and every field that can hold personal data, declared once.

The register of processing page, erasure, the access export, the ID-number check and the retention job all
read this map, and a test fails when a model gains a text field that is declared neither personal nor
not personal here, so the map cannot silently fall behind the schema.

Dataset texts are data shown to officers and the inspector (Vietnamese, like the catalogue), not interface
strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What a field holds, which decides what erasure, export and the ID check do with it."""

    SUBJECT = "subject"  # a structured field of a household or person: erased by the household erasure itself
    FREE_TEXT = "free_text"  # prose anyone types: may name a person; redacted on erasure, checked for ID numbers
    COPY = "copy"  # a JSON copy of a household's fields (import rows, sync conflicts, change history): redacted
    STAFF = "staff"  # officials, team members, trainers: personal data of the platform's own people
    LOG = "log"  # technical identifiers: IP addresses, chat ids, user agents, sign-in names
    FILE = "file"  # an uploaded file (spreadsheet, photo, scan) that can show or name people


@dataclass(frozen=True)
class Dataset:
    code: str
    name: str
    purpose: str
    legal_basis: str
    categories: str
    retention: str
    recipients: str
    # Days after which the retention job acts (None: kept while the purpose lasts, see ``retention``).
    retention_days: int | None = None
    # Processed on consent (a ProcessingActivity row of the same code carries the notice and its version).
    consent: bool = False


@dataclass(frozen=True)
class Field:
    model: str  # "app_label.ModelName"
    field: str
    dataset: str
    kind: Kind
    # ORM path from the row to the AdminUnit it belongs to: erasure redacts a person's *name* only in rows of
    # their commune, its villages or the units above it (a namesake elsewhere is another person); phones and
    # ID numbers are redacted everywhere. None: no unit, names are redacted in every row.
    unit_path: str | None = None
    # FILE fields: the texts (ORM paths from the row) that say whose the file is: a photo sent with a difficulty
    # that names the person, an image captioned with their name. Erasure deletes such a file, and any file whose
    # own name names the person (``Nguyen_Van_An_CCCD.jpg``).
    about: tuple[str, ...] = ()


_STATE = (
    "Thực hiện nhiệm vụ của cơ quan nhà nước theo quy định của pháp luật về chuyển đổi số "
    "(Quyết định 749/QĐ-TTg; Văn bản 793/BTTTT-THH); Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15, "
    "Nghị định 356/2025/NĐ-CP."
)
_CONSENT = _STATE + " Số điện thoại và thông tin thành viên hộ được xử lý khi có sự đồng ý của chủ thể dữ liệu."
_LAW_DUTY = (
    "Nghĩa vụ của bên kiểm soát dữ liệu theo Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15 và "
    "Nghị định 356/2025/NĐ-CP (ghi nhật ký, bảo đảm an toàn, chứng minh việc tuân thủ)."
)
_TEAM = (
    "Quyết định thành lập Tổ công nghệ số cộng đồng của UBND xã (Quyết định 1978/QĐ-TTg; "
    "Văn bản 793/BTTTT-THH); thông tin liên hệ của thành viên để phân công và liên lạc công việc."
)
_LOCAL = "UBND xã; Tổ công nghệ số cộng đồng của thôn."

DATASETS: tuple[Dataset, ...] = (
    Dataset(
        "household_register",
        "Sổ theo dõi hộ gia đình và mức độ sử dụng nền tảng số",
        "Hướng dẫn, hỗ trợ người dân sử dụng dịch vụ công trực tuyến và các nền tảng số; theo dõi kết quả "
        "thực hiện chỉ tiêu chuyển đổi số của thôn, xã.",
        _CONSENT,
        "Họ tên chủ hộ, địa chỉ, số điện thoại, số thành viên, số người từ 15 tuổi, điện thoại thông minh, "
        "kết nối Internet, ghi chú; trạng thái sử dụng nền tảng số (chỉ lưu cờ trạng thái, không lưu tài khoản, "
        "mật khẩu, số hay ảnh căn cước).",
        "Trong thời gian hộ cư trú tại thôn; xóa thông tin cá nhân khi có yêu cầu hợp lệ, hoặc 30 ngày sau khi "
        "rút lại sự đồng ý mà không đồng ý lại. Số liệu tổng hợp ẩn danh được giữ.",
        "UBND xã; Tổ công nghệ số cộng đồng của thôn. Cấp tỉnh, trung ương và doanh nghiệp chỉ nhận số liệu tổng hợp.",
        retention_days=30,
        consent=True,
    ),
    Dataset(
        "residents",
        "Thông tin thành viên hộ gia đình",
        "Hỗ trợ từng người dân cài đặt, kích hoạt và sử dụng các nền tảng số.",
        _CONSENT,
        "Họ tên, năm sinh, giới tính, quan hệ với chủ hộ, số điện thoại; trạng thái sử dụng nền tảng số.",
        "Trong thời gian hộ cư trú tại thôn; xóa khi có yêu cầu hợp lệ, hoặc 30 ngày sau khi rút lại sự đồng ý "
        "mà không đồng ý lại.",
        _LOCAL,
        retention_days=30,
        consent=True,
    ),
    Dataset(
        "activities",
        "Hoạt động hỗ trợ, hướng dẫn người dân",
        "Ghi nhận việc hướng dẫn từng hộ, từng người và các buổi tuyên truyền để tính kết quả thực hiện chỉ tiêu.",
        _STATE,
        "Hộ, người được hướng dẫn, nền tảng, kết quả, ghi chú tự do, vị trí (nếu thiết bị gửi), người ghi nhận.",
        "Ghi chú tự do được xóa sau 2 năm; bản ghi hoạt động (không có ghi chú) được giữ để tính số liệu.",
        _LOCAL + " Cấp trên chỉ nhận số liệu tổng hợp.",
        retention_days=730,
    ),
    Dataset(
        "difficulties",
        "Khó khăn, vướng mắc và trao đổi xử lý",
        "Tiếp nhận, chuyển cấp và trả lời khó khăn của thôn, xã trong chuyển đổi số.",
        _STATE,
        "Tiêu đề, mô tả, tin nhắn trao đổi, ảnh đính kèm (có thể nêu tên hoặc hình ảnh người dân), người gửi.",
        "Ảnh đính kèm được xóa 2 năm sau khi khó khăn được giải quyết; nội dung được giữ làm hồ sơ công việc.",
        "UBND xã và cấp được chuyển xử lý (huyện, tỉnh).",
        retention_days=730,
    ),
    Dataset(
        "notices",
        "Thông báo trong hệ thống",
        "Báo cho cán bộ, thành viên tổ việc cần làm (hạn báo cáo, khó khăn, yêu cầu của chủ thể dữ liệu).",
        _STATE,
        "Tiêu đề, nội dung thông báo (có thể nêu tên hộ), người nhận.",
        "180 ngày.",
        "Người nhận thông báo.",
        retention_days=180,
    ),
    Dataset(
        "imports",
        "Tệp nhập dữ liệu hộ gia đình và thành viên tổ",
        "Nhập danh sách hộ, thành viên tổ từ bảng tính; xem trước và xử lý trùng lặp trước khi ghi.",
        _STATE,
        "Tệp tải lên và các dòng đã đọc (họ tên, địa chỉ, số điện thoại, năm sinh, ghi chú).",
        "Tệp và các dòng tạm được xóa 30 ngày sau khi lần nhập kết thúc (đã ghi hoặc đã hủy).",
        "Cán bộ xã, huyện, tỉnh thực hiện việc nhập.",
        retention_days=30,
    ),
    Dataset(
        "sync",
        "Đồng bộ ứng dụng điện thoại của tổ",
        "Cho thành viên tổ làm việc ngoại tuyến và gửi thay đổi khi có mạng.",
        _STATE,
        "Bản sao tên chủ hộ, tên và năm sinh thành viên hộ trên điện thoại; các thay đổi gửi lên và xung đột.",
        "Biên nhận và xung đột đã xử lý được xóa sau 90 ngày.",
        "Thành viên tổ của thôn.",
        retention_days=90,
    ),
    Dataset(
        "team_members",
        "Thành viên Tổ công nghệ số cộng đồng và quyết định thành lập",
        "Thành lập, kiện toàn tổ; phân công, liên lạc và tập huấn thành viên.",
        _TEAM,
        "Họ tên, giới tính, năm sinh, số điện thoại, đơn vị, nghề nghiệp, vai trò trong tổ, quyết định, "
        "nhóm trò chuyện của thôn.",
        "Trong thời gian là thành viên và 5 năm sau khi rời tổ (hồ sơ công vụ); sau đó họ tên, số điện thoại, "
        "năm sinh, nghề nghiệp và tài khoản được xóa, số liệu tổ được giữ.",
        "UBND xã, huyện, tỉnh.",
        retention_days=5 * 365 + 1,
    ),
    Dataset(
        "accounts",
        "Tài khoản người dùng",
        "Đăng nhập, phân quyền và liên lạc với cán bộ, thành viên tổ.",
        _TEAM,
        "Tên đăng nhập, họ tên, số điện thoại, thư điện tử, mật khẩu (chỉ lưu dạng băm), mã truy cập API (băm).",
        "Trong thời gian sử dụng; khóa khi thôi nhiệm vụ.",
        "Quản trị hệ thống.",
    ),
    Dataset(
        "zalo",
        "Liên kết Zalo của thành viên tổ",
        "Gửi nhắc việc và nhận báo cáo nhanh qua Zalo Official Account.",
        "Sự đồng ý của thành viên (tự liên kết bằng mã một lần và có thể hủy bất cứ lúc nào); " + _TEAM,
        "Mã người dùng Zalo, tin nhắn gửi và nhận, sự kiện từ Zalo.",
        "Tin nhắn và sự kiện được xóa sau 180 ngày; liên kết giữ đến khi hủy.",
        "Zalo (Công ty Cổ phần VNG) với tư cách bên xử lý.",
        retention_days=180,
        consent=False,
    ),
    Dataset(
        "training",
        "Tập huấn, bồi dưỡng",
        "Tổ chức tập huấn cho thành viên tổ và cán bộ; ghi nhận điểm danh.",
        _TEAM,
        "Tên giảng viên, người liên hệ của doanh nghiệp, điểm danh của thành viên.",
        "5 năm (hồ sơ bồi dưỡng).",
        "UBND xã, huyện, tỉnh; doanh nghiệp đồng tổ chức.",
    ),
    Dataset(
        "practices",
        "Cách làm hay, thông báo chỉ đạo và báo cáo định kỳ",
        "Chia sẻ kinh nghiệm, truyền đạt chỉ đạo, báo cáo kết quả lên cấp trên.",
        _STATE,
        "Nội dung tự do có thể nêu tên người dân hoặc cán bộ; ảnh minh họa.",
        "Trong thời gian còn giá trị tham khảo; báo cáo giữ theo chế độ lưu trữ hồ sơ.",
        "Các cấp theo phạm vi chia sẻ.",
    ),
    Dataset(
        "privacy",
        "Sự đồng ý, yêu cầu của chủ thể dữ liệu và sự cố dữ liệu",
        "Chứng minh sự đồng ý, giải quyết yêu cầu của chủ thể dữ liệu, thông báo sự cố cho cơ quan có thẩm quyền.",
        _LAW_DUTY,
        "Người đồng ý, bằng chứng, người yêu cầu, liên hệ, nội dung yêu cầu, kết quả; mô tả sự cố.",
        "5 năm kể từ khi yêu cầu hoặc sự cố được giải quyết.",
        "UBND xã; Bộ Công an (A05) đối với thông báo sự cố.",
    ),
    Dataset(
        "audit_logs",
        "Nhật ký truy cập, thay đổi và địa chỉ IP",
        "Chứng minh ai đã xem, xuất, thay đổi dữ liệu cá nhân; phát hiện truy cập trái phép.",
        _LAW_DUTY,
        "Tài khoản, thời điểm, thao tác, đối tượng, địa chỉ IP, trình duyệt; lần đăng nhập sai.",
        "Nhật ký thao tác: 5 năm, không sửa, không xóa. Nhật ký đăng nhập (địa chỉ IP, trình duyệt): 1 năm.",
        "Quản trị hệ thống; cơ quan có thẩm quyền khi thanh tra.",
        retention_days=365,
    ),
    Dataset(
        "technical",
        "Phiên đăng nhập và tác vụ nền",
        "Duy trì phiên đăng nhập; chạy các tác vụ nền (nhập tệp, gửi tin).",
        _LAW_DUTY,
        "Mã phiên, tham số tác vụ (có thể chứa mã đối tượng).",
        "Phiên: đến khi hết hạn; kết quả tác vụ nền: xóa 30 ngày sau khi tác vụ kết thúc.",
        "Không chuyển cho bên nào.",
        retention_days=30,
    ),
)

S, T, C, P, L, F = Kind.SUBJECT, Kind.FREE_TEXT, Kind.COPY, Kind.STAFF, Kind.LOG, Kind.FILE

FIELDS: tuple[Field, ...] = (
    # the register
    Field("households.Household", "head_name", "household_register", S),
    Field("households.Household", "head_name_folded", "household_register", S),
    Field("households.Household", "address", "household_register", S),
    Field("households.Household", "phone", "household_register", S),
    Field("households.Household", "phone2", "household_register", S),
    Field("households.Household", "notes", "household_register", T, "commune"),
    Field("households.Resident", "full_name", "residents", S),
    Field("households.Resident", "name_folded", "residents", S),
    Field("households.Resident", "gender", "residents", S),
    Field("households.Resident", "phone", "residents", S),
    # consent and requests
    Field("households.Consent", "given_by", "privacy", S),
    Field("households.Consent", "evidence", "privacy", T, "household__commune"),
    Field("households.DataSubjectRequest", "requester", "privacy", S),
    Field("households.DataSubjectRequest", "contact", "privacy", S),
    Field("households.DataSubjectRequest", "details", "privacy", T, "commune"),
    Field("households.DataSubjectRequest", "outcome", "privacy", T, "commune"),
    Field("households.DataSubjectRequest", "export", "privacy", C, "commune"),
    Field("privacy.Breach", "title", "privacy", T, "unit"),
    Field("privacy.Breach", "description", "privacy", T, "unit"),
    Field("privacy.Breach", "subjects", "privacy", T, "unit"),
    Field("privacy.Breach", "measures", "privacy", T, "unit"),
    Field("privacy.Breach", "consequences", "privacy", T, "unit"),
    Field("privacy.Breach", "reporter_name", "privacy", P),
    Field("privacy.Breach", "reporter_contact", "privacy", P),
    # activities
    Field("activities.Activity", "note", "activities", T, "commune"),
    Field("activities.Activity", "void_reason", "activities", T, "commune"),
    Field("activities.ActivityChange", "before", "activities", C, "activity__commune"),
    Field("activities.ActivityChange", "after", "activities", C, "activity__commune"),
    # data-quality flags: the officer's note on a flag (about records, may name a person)
    Field("quality.Flag", "note", "activities", T, "unit"),
    # difficulties
    Field("difficulties.Difficulty", "title", "difficulties", T, "unit"),
    Field("difficulties.Difficulty", "description", "difficulties", T, "unit"),
    Field("difficulties.DifficultyMessage", "body", "difficulties", T, "difficulty__unit"),
    Field(
        "difficulties.DifficultyPhoto",
        "file",
        "difficulties",
        F,
        "difficulty__unit",
        about=("difficulty__title", "difficulty__description"),
    ),
    # notices
    Field("notices.Notification", "title", "notices", T, "unit"),
    Field("notices.Notification", "body", "notices", T, "unit"),
    # imports
    Field("transfers.ImportJob", "file", "imports", F, "unit", about=("original_filename",)),
    Field("transfers.ImportJob", "original_filename", "imports", T, "unit"),
    Field("transfers.ImportJob", "rows", "imports", C, "unit"),
    Field("transfers.ImportJob", "failure", "imports", T, "unit"),
    Field("transfers.ImportRow", "data", "imports", C, "job__unit"),
    Field("transfers.ImportRow", "errors", "imports", C, "job__unit"),
    # sync
    Field("sync.SyncReceipt", "answer", "sync", C),
    Field("sync.SyncConflict", "changes", "sync", C, "household__commune"),
    # team members, decisions, chat groups
    Field("teams.Member", "full_name", "team_members", P),
    Field("teams.Member", "name_folded", "team_members", P),
    Field("teams.Member", "gender", "team_members", P),
    Field("teams.Member", "phone", "team_members", P),
    Field("teams.Member", "organisation", "team_members", P),
    Field("teams.Member", "occupation", "team_members", P),
    Field("teams.Membership", "left_reason", "team_members", T, "team__commune"),
    Field("teams.Decision", "signer_name", "team_members", P),
    Field("teams.Decision", "proposer", "team_members", P),
    Field("teams.Decision", "members", "team_members", C),
    Field("teams.Decision", "recipients", "team_members", P),
    Field("teams.Decision", "signed_scan", "team_members", F, "commune"),
    Field("teams.ChatGroup", "invite_link", "team_members", L),
    # accounts
    Field("accounts.User", "username", "accounts", P),
    Field("accounts.User", "first_name", "accounts", P),
    Field("accounts.User", "last_name", "accounts", P),
    Field("accounts.User", "email", "accounts", P),
    Field("accounts.User", "full_name", "accounts", P),
    Field("accounts.User", "name_folded", "accounts", P),
    Field("accounts.User", "phone", "accounts", P),
    Field("accounts.ApiToken", "name", "accounts", P),
    # The phone's name as its member gave it (may name them) and the model it reports: which phone is whose.
    Field("sync.Device", "label", "accounts", P),
    Field("sync.Device", "model", "accounts", P),
    # Zalo
    Field("channels.ZaloLink", "zalo_user_id", "zalo", L),
    Field("channels.ZaloEvent", "sender_id", "zalo", L),
    Field("channels.ZaloEvent", "payload", "zalo", C),
    Field("channels.ZaloEvent", "error", "zalo", T),
    Field("channels.ChatCommand", "text", "zalo", T),
    Field("channels.ZaloMessage", "zalo_user_id", "zalo", L),
    Field("channels.ZaloMessage", "text", "zalo", T),
    Field("channels.ZaloMessage", "error", "zalo", T),
    # training
    Field("training.Enterprise", "contact", "training", P, "owner"),
    Field("training.Session", "trainers", "training", P, "course__unit"),
    Field("training.Session", "cancel_reason", "training", T, "course__unit"),
    Field("training.Course", "description", "training", T, "unit"),
    # practices, announcements, reports: prose that may name someone
    Field("practices.Practice", "title", "practices", T),
    Field("practices.Practice", "body", "practices", T),
    Field("practices.Practice", "search_folded", "practices", T),
    Field("practices.Practice", "review_comment", "practices", T),
    Field("practices.PracticeImage", "caption", "practices", T),
    Field("practices.PracticeImage", "image", "practices", F, about=("caption",)),
    Field("practices.Announcement", "title", "practices", T),
    Field("practices.Announcement", "body", "practices", T),
    Field("reports.Report", "assessment", "practices", T, "unit"),
    Field("reports.Report", "plan", "practices", T, "unit"),
    Field("reports.Report", "proposals", "practices", T, "unit"),
    Field("reports.Report", "notes", "practices", C, "unit"),
    # The history of reports and posts (one model): "report__unit" is a report's unit; on a post's line, and on a
    # village's report (no unit), it is empty, so a name is redacted there wherever the person lives, as before.
    Field("core.WorkflowEvent", "comment", "practices", T, "report__unit"),
    # logs
    Field("core.AuditEvent", "actor_name", "audit_logs", L),
    Field("core.AuditEvent", "ip_address", "audit_logs", L),
    Field("core.AuditEvent", "details", "audit_logs", L),
    Field("axes.AccessAttempt", "ip_address", "audit_logs", L),
    Field("axes.AccessAttempt", "username", "audit_logs", L),
    Field("axes.AccessAttempt", "user_agent", "audit_logs", L),
    Field("axes.AccessAttempt", "get_data", "audit_logs", L),
    Field("axes.AccessAttempt", "post_data", "audit_logs", L),
    Field("axes.AccessLog", "ip_address", "audit_logs", L),
    Field("axes.AccessLog", "username", "audit_logs", L),
    Field("axes.AccessLog", "user_agent", "audit_logs", L),
    Field("axes.AccessFailureLog", "ip_address", "audit_logs", L),
    Field("axes.AccessFailureLog", "username", "audit_logs", L),
    Field("axes.AccessFailureLog", "user_agent", "audit_logs", L),
    Field("sessions.Session", "session_data", "technical", L),
    Field("django_tasks_database.DBTaskResult", "args_kwargs", "technical", C),
    Field("django_tasks_database.DBTaskResult", "return_value", "technical", C),
    Field("django_tasks_database.DBTaskResult", "traceback", "technical", L),
)

# Text-like fields that hold no personal data, with the reason (the completeness test reads this too).
_CODES = "a code or choice from a fixed list"
_CATALOGUE = "catalogue or geography data, the same for everyone"
_HASHED = "a hash or key, never a person's data"
NOT_PERSONAL: dict[str, dict[str, str]] = {
    "auth.Permission": {"name": _CATALOGUE, "codename": _CODES},
    "auth.Group": {"name": _CATALOGUE},
    "contenttypes.ContentType": {"app_label": _CODES, "model": _CODES},
    "sessions.Session": {"session_key": _HASHED},
    "axes.AccessAttempt": {"http_accept": "a browser header", "path_info": "a URL path of the site"},
    "axes.AccessLog": {"http_accept": "a browser header", "path_info": "a URL path", "session_hash": _HASHED},
    "axes.AccessFailureLog": {"http_accept": "a browser header", "path_info": "a URL path of the site"},
    "django_tasks_database.DBTaskResult": {
        "status": _CODES,
        "task_path": "a Python path",
        "worker_ids": "worker ids",
        "queue_name": _CODES,
        "backend_name": _CODES,
        "exception_class_path": "a Python path",
    },
    "core.AuditEvent": {"action": _CODES, "target_type": _CODES, "target_id": "a row id"},
    "core.JobRun": {"job": _CODES, "period": _CODES, "node": "a host name and process id", "outcome": _CODES},
    "geo.AdminUnit": {
        "code": _CATALOGUE,
        "name": _CATALOGUE,
        "short_name": _CATALOGUE,
        "name_folded": _CATALOGUE,
        "kind": _CODES,
        "path": "ids of the units above",
    },
    "geo.Village": {"name": _CATALOGUE, "name_folded": _CATALOGUE, "kind": _CODES, "code": _CATALOGUE},
    "accounts.User": {"password": _HASHED},
    "accounts.RoleAssignment": {"role": _CODES},
    "accounts.ApiToken": {"prefix": _HASHED, "key_hash": _HASHED},
    "transfers.ImportJob": {"kind": _CODES, "status": _CODES, "summary": "counts of rows"},
    "transfers.ImportRow": {"outcome": _CODES, "duplicate_reason": _CODES, "decision": _CODES},
    "official.OfficialFigure": {"kind": _CODES, "source": "the name of the agency that published the figure"},
    "official.LegacyFigure": {"rule": _CODES},
    "teams.Team": {"name": "the team's name (its village)", "status": _CODES},
    "teams.Membership": {"role": _CODES},
    "teams.Decision": {
        "number": "a document number",
        "signer_title": "a job title",
        "legal_bases": "citations of laws",
        "status": _CODES,
    },
    "teams.ChatGroup": {"platform": _CODES, "name": "the group's name (its village)"},
    "households.Household": {"internet": _CODES},
    "households.Resident": {"relationship": _CODES},
    "households.AdoptionItem": {"code": _CODES, "name": _CATALOGUE, "applies_to": _CODES},
    "households.AdoptionEvent": {"action": _CODES},
    "households.ProcessingActivity": {
        "code": _CODES,
        "name": "the register's own text",
        "purpose": "the register's own text",
        "legal_basis": "the register's own text",
        "data_categories": "the register's own text",
        "retention": "the register's own text",
        "recipients": "the register's own text",
        "notice_version": _CODES,
    },
    "households.Consent": {"method": _CODES, "notice_version": _CODES},
    "households.DataSubjectRequest": {"kind": _CODES, "status": _CODES},
    "catalog.Platform": {
        "code": _CODES,
        "name": _CATALOGUE,
        "operator": _CATALOGUE,
        "pillar": _CODES,
        "url": _CATALOGUE,
        "install_guide": _CATALOGUE,
    },
    "catalog.Outcome": {"code": _CODES, "name": _CATALOGUE},
    "catalog.Indicator": {
        "code": _CODES,
        "name": _CATALOGUE,
        "measure": _CODES,
        "pillar": _CODES,
        "method": _CODES,
        "activity_kinds": _CODES,
        "reach_measure": _CODES,
        "register_metric": _CODES,
        "description": _CATALOGUE,
        "aliases": _CATALOGUE,
    },
    "activities.Activity": {"kind": _CODES, "channel": _CODES, "effects": "ids of adoption statuses"},
    "activities.ActivityChange": {"action": _CODES},
    "targets.Period": {"kind": _CODES, "name": "a period's name"},
    "targets.Target": {"split_method": _CODES},
    "reports.Report": {"status": _CODES, "results": "figures", "organisation": "counts of teams and members"},
    "reports.ReportDeadline": {"kind": _CODES},
    "practices.Tag": {"name": "a topic word", "name_folded": "a topic word"},
    "practices.Practice": {"kind": _CODES, "status": _CODES},
    "core.WorkflowEvent": {"action": _CODES},
    "practices.Announcement": {"roles": _CODES},
    "practices.Receipt": {"role": _CODES},
    "training.Enterprise": {"name": "a company's name", "name_folded": "a company's name"},
    "training.Course": {"title": "a course title", "organiser": _CODES},
    "training.Session": {
        "title": "a session title",
        "mode": _CODES,
        "place": "a venue",
        "meeting_link": "a meeting room link",
    },
    "training.Attendance": {"status": _CODES},
    "training.Material": {
        "title": "a document title",
        "kind": _CODES,
        "url": "a link",
        "version": _CODES,
        "file": "a training document",
    },
    "sync.SyncReceipt": {"kind": _CODES, "digest": _HASHED},
    "sync.SyncConflict": {"resolution": _CODES},
    "notices.Notification": {"kind": _CODES, "url": "a link inside the site", "key": _HASHED},
    "difficulties.Difficulty": {"category": _CODES, "status": _CODES},
    "difficulties.DifficultyMessage": {"kind": _CODES, "event": _CODES},
    "difficulties.DifficultyPhoto": {"content_type": _CODES},
    "channels.ZaloLinkCode": {"code_hash": _HASHED},
    "channels.ZaloEvent": {"key": _HASHED, "event_name": _CODES, "status": _CODES},
    "channels.ChatCommand": {"activity_ids": "ids of activities"},
    "channels.ZaloMessage": {"status": _CODES, "mode": _CODES, "zalo_message_id": "Zalo's message id"},
    "channels.ZaloToken": {"access_token": _HASHED, "refresh_token": _HASHED, "last_error": "Zalo's API error"},
    "privacy.Breach": {"status": _CODES, "datasets": _CODES},
    "quality.Flag": {
        "rule": _CODES,
        "status": _CODES,
        "key": "the rule, place or member's id and day, as a code",
        "numbers": "counts and the place's name",
    },
    "quality.QualityRule": {
        "code": _CODES,
        "timing": _CODES,
        "name": _CATALOGUE,
        "description": _CATALOGUE,
        "threshold_label": _CATALOGUE,
    },
}


def dataset(code: str) -> Dataset:
    for item in DATASETS:
        if item.code == code:
            return item
    raise KeyError(code)


def fields_of(*kinds: Kind) -> list[Field]:
    """The declared fields of these kinds whose model is installed."""
    from django.apps import apps

    installed = {model._meta.label for model in apps.get_models()}
    return [item for item in FIELDS if item.kind in kinds and item.model in installed]


def dataset_fields(code: str) -> list[Field]:
    return [item for item in FIELDS if item.dataset == code]
