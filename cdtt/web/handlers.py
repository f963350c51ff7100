"""Framework error handlers, in Vietnamese."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.template import loader

from cdtt.core.errorpages import render_error, render_too_large


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error(request, 404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error(request, 403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Django reports a body over DATA_UPLOAD_MAX_MEMORY_SIZE as a bad request; it is a too-large one.
    if isinstance(exception, RequestDataTooBig):
        return render_too_large(request)
    return render_error(request, 400)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context here: the database or a context processor may be what failed.
    return HttpResponse(loader.get_template("web/500.html").render(), status=500)
