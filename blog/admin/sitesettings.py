"""The site's settings: one change form (no list, no add, no delete) with its social links."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from blog.sitesettings.models import (
    MAX_SOCIAL_LINKS,
    SINGLETON_PK,
    SiteSettings,
    SocialLink,
    normalize_language,
)
from blog.sitesettings.writes import (
    load_or_default,
    render_footer,
    save_site_settings,
    settings_changed,
)


class SocialLinkInline(admin.StackedInline):
    model = SocialLink
    fields = ["label", "url", "position"]
    # "mastodon.social/@me" typed without a scheme becomes https://…, as browsers would.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    extra = 1
    max_num = MAX_SOCIAL_LINKS
    verbose_name = "social profile link"
    verbose_name_plural = "social profile links"


class SiteSettingsForm(forms.ModelForm):
    class Meta:
        model = SiteSettings
        fields = [
            *("title", "tagline", "description", "language", "logo", "favicon"),
            *("posts_per_page", "footer_text"),
        ]

    def clean_language(self) -> str:
        return normalize_language(self.cleaned_data["language"])

    def clean_footer_text(self) -> str:
        """Refuse a footer the renderer would refuse on save, with its reason."""
        text = self.cleaned_data["footer_text"]
        try:
            render_footer(text)
        except forms.ValidationError as error:
            raise forms.ValidationError(error.message_dict["footer_text"]) from error
        return text


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    form = SiteSettingsForm
    inlines = [SocialLinkInline]
    autocomplete_fields = ["logo", "favicon"]
    fieldsets = [
        ("The site", {"fields": ["title", "tagline", "description", "language"]}),
        ("Images from the media library", {"fields": ["logo", "favicon"]}),
        ("Pages", {"fields": ["posts_per_page", "footer_text"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None):
        """There is one row: the list is its change form."""
        return HttpResponseRedirect(reverse("admin:blog_sitesettings_change", args=[SINGLETON_PK]))

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None):
        # Before the first save the row may not exist (a flushed database): the form opens
        # with the environment's defaults, and saving creates it.
        if str(object_id) == str(SINGLETON_PK):
            return load_or_default()
        return None

    def save_model(self, request: HttpRequest, obj: SiteSettings, form, change: bool) -> None:
        save_site_settings(obj, validate=False)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        formset.save()
        # The order the author gave, numbered from 0 again (ties keep the order of entry).
        links = form.instance.social_links.order_by("position", "id")
        for position, link in enumerate(links):
            if link.position != position:
                link.position = position
                link.save(update_fields=["position"])
        settings_changed()

    def response_change(self, request: HttpRequest, obj: SiteSettings) -> HttpResponseRedirect:
        # There is no list to go back to: the form again, saying the change is live.
        self.message_user(request, "Saved. Every page shows the new settings now.")
        return HttpResponseRedirect(request.path)
