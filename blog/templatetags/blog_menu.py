"""``{% site_menu %}``: the navigation menu edited in the admin, in every reader page's header."""

from __future__ import annotations

from typing import Any

from django import template

from blog.pages import header_menu

register = template.Library()


@register.inclusion_tag("blog/partials/site_menu.html", takes_context=True)
def site_menu(context: template.Context) -> dict[str, Any]:
    """The menu's links in order, the one for the page being read marked current."""
    request = context.get("request")
    here = request.path if request is not None else None
    links = [{"label": item.label, "href": item.href()} for item in header_menu()]
    for link in links:
        link["current"] = link["href"] == here
    return {"links": links}
