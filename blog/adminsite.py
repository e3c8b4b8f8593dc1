"""The admin site itself: its name, the order of its index, and the tags' old addresses.

``blog.apps.BlogAdminConfig`` makes this the default site, so ``admin.site`` and
``@admin.register`` everywhere use it. It lives outside ``blog/admin/``: that package registers
the model admins with ``admin.site``, and importing it while the site is being created would
create the site twice.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.urls import URLPattern, URLResolver, re_path, reverse

from blog.sitesettings.reading import current

# The admin index, top to bottom: apps by label, then each app's models by model name. What is
# not named here follows, in the alphabetical order Django would give it.
APP_ORDER = ["blog", "auth", "axes"]
MODEL_ORDER = {
    "blog": [
        "post",
        "page",
        "menuitem",
        "tag",
        "image",
        "author",
        "authorprofile",
        "sitesettings",
        "redirect",
        "sharelink",
    ],
    "auth": ["user", "group"],
}


def site_title(request: HttpRequest | None = None) -> str:
    """The blog's name as the admin shows it: the site settings' title, as readers see it."""
    return current(request).title


def _position(order: list[str], name: str) -> tuple[int, str]:
    return (order.index(name) if name in order else len(order), name)


class BlogAdminSite(admin.AdminSite):
    """Django's admin site with the blog's name and the blog first on the index."""

    # Read on every request rather than set once, so a renamed site shows its new name at once.
    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        title = site_title(request)
        return {
            **super().each_context(request),
            "site_header": title,
            "site_title": f"{title} admin",
        }

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None):
        heading = {"title": f"Manage {site_title(request)}"}
        return super().index(request, {**heading, **(extra_context or {})})

    def get_app_list(
        self, request: HttpRequest, app_label: str | None = None
    ) -> list[dict[str, Any]]:
        """The apps with the blog first, each app's models in the order of ``MODEL_ORDER``."""
        apps = super().get_app_list(request, app_label)
        apps.sort(key=lambda app: _position(APP_ORDER, app["app_label"]))
        for app in apps:
            order = MODEL_ORDER.get(app["app_label"], [])
            app["models"].sort(
                key=lambda model: (
                    _position(order, model["object_name"].lower())[0],
                    str(model["name"]).lower(),
                )
            )
        return apps

    def get_urls(self) -> list[URLPattern | URLResolver]:
        return [
            # Tags were once listed under django-taggit's own app; old bookmarks still work.
            re_path(r"^taggit/(?:tag/(?P<rest>.*))?$", self.old_tag_address),
            *super().get_urls(),
        ]

    def old_tag_address(self, request: HttpRequest, rest: str | None = None):
        """/admin/taggit/tag/… answers 301 with the same page under /admin/blog/tag/."""
        target = reverse(f"{self.name}:blog_tag_changelist") + (rest or "")
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)
