"""Schemas every part of the API shares."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    # No docstring: it would become the schema's description in the OpenAPI document.
    detail: str


class FieldErrorOut(Schema):
    """A refused request: the Vietnamese message and, when one field is at fault, its name."""

    detail: str
    field: str | None = None


ERRORS: dict[int, Any] = {400: FieldErrorOut, 403: FieldErrorOut, 404: FieldErrorOut}
