"""Vietnamese error pages rendered by the access decorators and handlers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

TITLES = {
    400: gettext_lazy("Bad request"),
    403: gettext_lazy("Access denied"),
    404: gettext_lazy("Not found"),
    413: gettext_lazy("File too large"),
    500: gettext_lazy("System error"),
}


def render_error(request: HttpRequest, status: int, message: str = "") -> HttpResponse:
    """Render the error page with a Vietnamese title and message."""
    return render(
        request,
        "web/error.html",
        {"status": status, "title": str(TITLES.get(status, _("Error"))), "message": message},
        status=status,
    )
