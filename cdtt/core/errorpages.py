"""Vietnamese error pages (the template is web/error.html), rendered by the access decorators, the framework
handlers and the upload limit: here in core so that every app can refuse a request without importing the site."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
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


def render_too_large(request: HttpRequest) -> HttpResponse:
    """Refuse a request whose body is over the upload limit: 413, as JSON for the API."""
    message = _("The file is larger than %(size)s MB.") % {"size": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=413)
    return render_error(request, 413, message)
