"""``{% url_for %}``: ``{% url %}`` for the addresses a page repeats, reversed once (blog.links)."""

from django import template

from blog.links import url_for as remembered_url

register = template.Library()


@register.simple_tag
def url_for(viewname: str, **kwargs: str) -> str:
    """The address of ``viewname`` with these keyword arguments, e.g. a tag's page."""
    return remembered_url(viewname, **kwargs)
