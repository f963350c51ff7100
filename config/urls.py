"""URL map. Every view is declared @requires(perm), @signed_in or @public(reason); a test checks it."""

from django.urls import include, path

from cdtt.accounts.views import login_view, logout_view
from cdtt.api.api import api
from cdtt.practices.urls import announcement_patterns
from cdtt.teams.urls import finder_patterns
from cdtt.training.urls import network_patterns
from cdtt.web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("metrics", web_views.metrics, name="metrics"),
    path("login/", login_view, name="login"),
    path("logout/", logout_view, name="logout"),
    path("", include("cdtt.accounts.urls")),
    path("units/", include("cdtt.geo.urls")),
    path("imports/", include("cdtt.transfers.urls")),
    path("teams/", include("cdtt.teams.urls")),
    path("households/", include("cdtt.households.urls")),
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
    path("channels/", include("cdtt.channels.urls")),
    path("api/v1/", api.urls),
]

handler404 = "cdtt.web.handlers.not_found"
handler403 = "cdtt.web.handlers.forbidden"
handler400 = "cdtt.web.handlers.bad_request"
handler500 = "cdtt.web.handlers.server_error"
