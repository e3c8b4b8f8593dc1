from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, str]:
    """Site-wide names and the site's address for templates, so no template hard-codes them."""
    return {
        "SITE_TITLE": settings.SITE_TITLE,
        "SITE_DESCRIPTION": settings.SITE_DESCRIPTION,
        "SITE_URL": settings.SITE_URL,
    }
