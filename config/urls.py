"""URL map: page paths are Vietnamese slugs (cdtt/web/old_paths.py keeps the old English ones working).

Every view is declared @requires(perm), @signed_in or @public(reason); a test checks it."""

from django.urls import include, path

from cdtt.accounts.views import login_view, logout_view
from cdtt.api.api import api
from cdtt.practices.urls import announcement_patterns
from cdtt.teams.urls import finder_patterns
from cdtt.training.urls import network_patterns
from cdtt.web import views as web_views
from cdtt.web.old_paths import OLD_PREFIXES

urlpatterns = [
    path("", web_views.home, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("metrics", web_views.metrics, name="metrics"),
    path("dang-nhap/", login_view, name="login"),
    path("dang-xuat/", logout_view, name="logout"),
    path("", include("cdtt.accounts.urls")),
    path("don-vi/", include("cdtt.geo.urls")),
    path("nhap-du-lieu/", include("cdtt.transfers.urls")),
    path("to-cong-nghe/", include("cdtt.teams.urls")),
    path("ho-gia-dinh/", include("cdtt.households.urls")),
    path("du-lieu-ca-nhan/", include("cdtt.privacy.urls")),
    path("chi-tieu/", include("cdtt.targets.urls")),
    path("bang-dieu-khien/", include("cdtt.dashboards.urls")),
    path("so-lieu-chinh-thuc/", include("cdtt.official.urls")),
    path("danh-muc/", include("cdtt.catalog.urls")),
    path("app/", include("cdtt.mobile.urls")),
    path("dong-bo/", include("cdtt.sync.urls")),
    path("hoat-dong/", include("cdtt.activities.urls")),
    path("bao-cao/", include("cdtt.reports.urls")),
    path("dao-tao/", include("cdtt.training.urls")),
    path("mang-luoi/", include((network_patterns, "network"))),
    path("cach-lam-hay/", include("cdtt.practices.urls")),
    path("thong-bao-chi-dao/", include((announcement_patterns, "announcements"))),
    path("tim-to/", include((finder_patterns, "finder"))),
    path("thong-bao/", include("cdtt.notices.urls")),
    path("kho-khan/", include("cdtt.difficulties.urls")),
    path("chat-luong-so-lieu/", include("cdtt.quality.urls")),
    path("", include("cdtt.channels.urls")),
    path("api/v1/", api.urls),
    # The English paths used until December 2026: each redirects permanently to its Vietnamese path.
    *[path(f"{old}/", web_views.old_path_redirect, {"old": old}, name="old_path") for old in OLD_PREFIXES],
    *[path(f"{old}/<path:rest>", web_views.old_path_redirect, {"old": old}, name="old_path") for old in OLD_PREFIXES],
]

handler404 = "cdtt.web.handlers.not_found"
handler403 = "cdtt.web.handlers.forbidden"
handler400 = "cdtt.web.handlers.bad_request"
handler500 = "cdtt.web.handlers.server_error"
