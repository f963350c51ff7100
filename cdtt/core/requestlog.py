"""A request id on every request, its answer and every log line written while it runs; one access line per request.

Behind the load balancer the id it sets (``X-Request-ID``, HAProxy's ``unique-id-header``) is kept, so one
request can be followed from the balancer's log to the app node's; a request without one gets a new id.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from cdtt.core.metrics import REQUEST_SECONDS, SYNC_BATCHES

HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")  # anything else from outside could forge log lines

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("cdtt_request_id", default="-")
access_log = logging.getLogger("cdtt.request")


class RequestIdFilter(logging.Filter):
    """Give every log record the current request's id ("-" outside a request: workers, commands)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):  # the access line, written as the request ends, names its own
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: what a log shipper (journald, Loki, Elasticsearch) indexes without parsing."""

    EXTRA = ("request_id", "method", "path", "view", "status", "duration_ms", "user_id", "data_source")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({key: getattr(record, key) for key in self.EXTRA if hasattr(record, key)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class RequestLogMiddleware:
    """Outermost: sets the request id, times the whole answer by view, writes the access line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(HEADER, "")
        rid = incoming if _VALID.match(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        start = time.perf_counter()
        try:
            response = self.get_response(request)
            elapsed = time.perf_counter() - start
            match = request.resolver_match
            # By URL name, never by path: paths carry ids and would make one series per unit.
            view = match.view_name if match else "unresolved"
            REQUEST_SECONDS.labels(view=view, method=request.method, status=f"{response.status_code // 100}xx").observe(
                elapsed
            )
            if view == "api:sync_push":
                SYNC_BATCHES.labels(outcome=f"{response.status_code // 100}xx").inc()
            response[HEADER] = rid
            # Only a user already loaded by the view: the access line must not cost a query of its own.
            user = getattr(getattr(request, "user", None), "_wrapped", None)
            access_log.info(
                "%s %s %s %.0f ms",
                request.method,
                request.path,
                response.status_code,
                elapsed * 1000,
                extra={
                    "request_id": rid,
                    "method": request.method,
                    "path": request.path,
                    "view": view,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                    "user_id": getattr(user, "pk", None),
                    "data_source": response.get("X-Data-Source", "primary"),
                },
            )
            return response
        finally:
            request_id.reset(token)
