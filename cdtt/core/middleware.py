"""Security headers the framework does not set by itself, the request size limit, compressed pages, and the
one place where text coming in is cleaned."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, QueryDict, RawPostDataException
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware

from cdtt.core.errorpages import render_too_large
from cdtt.core.text import clean


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


RAW_BODY_ATTR = "cdtt_raw_body"


def keeps_raw_body(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view whose request body must reach it byte for byte (a signature is computed over it)."""
    setattr(view, RAW_BODY_ATTR, True)
    return view


def _clean_query(data: QueryDict) -> QueryDict:
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        cleaned.setlist(clean(key), [clean(v) for v in values])
    cleaned._mutable = False
    return cleaned


def _clean_json(value: Any) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_clean_json(v) for v in value]
    if isinstance(value, dict):
        return {clean(str(k)): _clean_json(v) for k, v in value.items()}
    return value


class CleanTextMiddleware:
    """The one place text enters the platform: query strings, form fields and JSON bodies are put in Unicode
    NFC and lose their control characters (``cdtt.core.text.clean``) before any view or API sees them.

    So no search, filter or form can carry a NUL to PostgreSQL ("text fields cannot contain NUL"), and a name
    typed on a phone that sends decomposed Vietnamese (NFD) is stored and found like any other. Invalid UTF-8
    in a query string is already replaced (U+FFFD) by Django's parser. Uploaded files are left as they are.
    """

    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any) -> None:
        if request.META.get("QUERY_STRING"):
            request.GET = _clean_query(request.GET)  # type: ignore[assignment]  # immutable, as Django builds it
        if request.method in {"GET", "HEAD", "OPTIONS"} or getattr(view, RAW_BODY_ATTR, False):
            return None
        kind = (request.content_type or "").lower()
        if kind in self.FORM_TYPES:
            try:
                post = request.POST
            except (MultiPartParserError, OSError):
                return None  # the view meets the same broken body and answers for it
            request.POST = _clean_query(post)  # type: ignore[assignment]  # immutable, as Django builds it
        elif kind == "application/json" or kind.endswith("+json"):
            self._clean_json_body(request)
        return None

    @staticmethod
    def _clean_json_body(request: HttpRequest) -> None:
        try:
            raw = request.body
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RawPostDataException, RequestDataTooBig):
            return  # not JSON, or too big: the endpoint refuses it with its own message
        cleaned = _clean_json(data)
        if cleaned != data:
            request._body = json.dumps(cleaned, ensure_ascii=False).encode()
