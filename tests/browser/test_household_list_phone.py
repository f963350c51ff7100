"""At phone width (360 px) the household list shows each household's adoption figure whole ("2/10", not
"2/1" cut by the card's edge)."""

from __future__ import annotations

import datetime
from typing import Any

from cdtt.households.models import AdoptionItem, AdoptionStatus, Household
from tests.browser.world import Tree, sign_in


def test_the_adoption_figure_fits_the_card_at_360_px(page: Any, live_server: Any, tree: Tree) -> None:
    items = list(AdoptionItem.objects.filter(applies_to__in=["household", "both"])[:2])
    for n, name in enumerate(["Nguyễn Văn An", "Hoàng Thị Phương Thảo"]):
        household = Household.objects.create(
            commune=tree.commune, village=tree.village, head_name=name, members_count=4 + n
        )
        for item in items:
            AdoptionStatus.objects.create(household=household, item=item, reached_on=datetime.date(2026, 3, 1))
    total = AdoptionItem.objects.filter(is_active=True).count()
    sign_in(page, live_server.url, "tovien")

    page.goto(live_server.url + "/ho-gia-dinh/")

    figures = page.locator("td.reach .reach-figure")
    assert figures.count() == 2
    card = page.locator("section.card .table-wrap").bounding_box()
    for n in range(2):
        figure = figures.nth(n)
        assert figure.inner_text().strip() == f"2/{total}"
        box = figure.bounding_box()
        assert box["x"] >= card["x"] and box["x"] + box["width"] <= card["x"] + card["width"], (box, card)
    # Nothing scrolls sideways inside the card either.
    assert page.evaluate(
        "() => { const w = document.querySelector('section.card .table-wrap'); return w.scrollWidth <= w.clientWidth; }"
    )
