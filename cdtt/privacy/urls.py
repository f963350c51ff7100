"""Personal-data pages that are not about one household: the breach register."""

from cdtt.privacy.views import app_name, urlpatterns

__all__ = ["app_name", "urlpatterns"]
