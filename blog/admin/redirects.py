"""Old addresses that answer 301, kept by the importer, slug changes and tag renames."""

from __future__ import annotations

from django.contrib import admin

from blog.models import Redirect
from blog.redirects import target_url


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    list_display = ["old_path", "target", "created_at"]
    search_fields = ["old_path", "post__title", "tag__name", "page__title", "author__display_name"]
    autocomplete_fields = ["post", "tag", "page", "author"]
    list_select_related = ["post", "tag", "page", "author"]

    @admin.display(description="Leads to")
    def target(self, redirect: Redirect) -> str:
        return target_url(redirect, redirect.old_path)
