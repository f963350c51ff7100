"""Household endpoints of the JSON API (being written)."""

from ninja import Router

router = Router(tags=["households"])
