"""Every schema of the API has a name of its own: the OpenAPI document keys its components by class name, so two
schemas called alike (``HistoryOut`` in two routers) silently describe one endpoint with the other's fields."""

from __future__ import annotations

from collections import defaultdict

import pytest
from ninja import Schema


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    sub: type
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


@pytest.mark.django_db
def test_no_two_api_schemas_share_a_name(client: object) -> None:
    from django.urls import reverse

    reverse("api:openapi-json")  # the URLconf imports the API and every router, so every schema class exists
    names: dict[str, set[str]] = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("cdtt."):
            names[cls.__name__].add(cls.__module__)
    shared = {name: sorted(modules) for name, modules in names.items() if len(modules) > 1}
    assert shared == {}
