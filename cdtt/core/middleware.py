"""Security headers the framework does not set by itself, the request size limit, and compressed pages."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware


class ContentSecurityPolicyMiddleware:
    """Send a strict Content-Security-Policy: only the platform's own scripts, styles and images."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        return response


class ApiNoStoreMiddleware:
    """Mark every API answer ``Cache-Control: no-store``: tokens and personal data must not sit in a cache.

    The API serves people's names, phones and bearer tokens; a shared proxy or the browser's disk cache
    keeping them would hand them to the next user of the machine or the network.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The one exception is an endpoint that declared itself public (the team finder: published data, the
        # same for everyone, cached on purpose for phones on slow networks).
        if request.path.startswith(API_PREFIX) and "public" not in response.get("Cache-Control", ""):
            response.headers["Cache-Control"] = "no-store"
        return response


API_PREFIX = "/api/"


# Room for the multipart framing and a form's other fields, so that a file just under UPLOAD_MAX_BYTES gets
# through; the view that takes the file checks the file's own size and explains the refusal in the form.
FORM_OVERHEAD_BYTES = 64 * 1024


class UploadLimitMiddleware:
    """Refuse a request body over the upload limit with a 413 page before anything reads it.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not count uploaded files, so without this a file of any
    size would be streamed to disk before a view could refuse it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.UPLOAD_MAX_BYTES + FORM_OVERHEAD_BYTES:
            from cdtt.web.errors import render_too_large

            return render_too_large(request)
        return self.get_response(request)


# What shrinks when compressed: pages, JSON, scripts, styles, SVG maps, CSV. Office files, images and PDFs
# are compressed already; compressing them again costs the server CPU for nothing.
COMPRESSIBLE_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "application/manifest+json",
    "application/xml",
    "image/svg+xml",
)


class CompressPagesMiddleware(GZipMiddleware):
    """Gzip the text the app answers with (a page is 4-8 times smaller: what a phone on 3G waits for).

    Django's GZipMiddleware adds random bytes to every compressed body ("Heal The Breach"), which, with
    Django's per-response masking of the CSRF token, is its mitigation of BREACH. Static files are not
    touched here: WhiteNoise serves their pre-compressed copies itself.
    """

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        kind = response.get("Content-Type", "").split(";")[0].strip().lower()
        if not kind.startswith(COMPRESSIBLE_TYPES):
            return response
        return super().process_response(request, response)
