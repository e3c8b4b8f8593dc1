from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, lazy

from blog.sitesettings.reading import current


def site(request: HttpRequest) -> dict[str, object]:
    """The site's settings (``site``: title, tagline, logo, links, footer…) and address for
    templates, so no template hard-codes them. Read only when a template uses them: admin
    pages and robots.txt cost nothing."""
    site = SimpleLazyObject(lambda: current(request))
    return {
        "site": site,
        "SITE_TITLE": lazy(lambda: site.title, str)(),
        "SITE_DESCRIPTION": lazy(lambda: site.description, str)(),
        "SITE_URL": settings.SITE_URL,
    }
