"""Author profiles: every author edits their own; editors with the right edit everyone's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from blog.authors import delete_profiles, render_bio, save_profile
from blog.profiles import AuthorProfile

EDIT_ALL = "blog.change_any_authorprofile"


def edits_all(request: HttpRequest) -> bool:
    """Whether the user may see and change every author's profile, not only their own."""
    return request.user.has_perm(EDIT_ALL)


class AuthorProfileForm(forms.ModelForm):
    # Declared, so that "ada.example" typed without a scheme means https://ada.example.
    website = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=AuthorProfile._meta.get_field("website").help_text,
        widget=forms.URLInput(attrs={"class": "vURLField"}),
    )

    class Meta:
        model = AuthorProfile
        fields = ["user", "display_name", "slug", "bio", "avatar", "website", "links"]
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 8, "class": "vLargeTextField"}),
            "links": forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
        }

    def clean_bio(self) -> str:
        # Rendered here, so a bio the renderer refuses is an error on this field, not a 500.
        bio = self.cleaned_data["bio"]
        self.bio_html = render_bio(bio)
        return bio


@admin.register(AuthorProfile)
class AuthorProfileAdmin(admin.ModelAdmin):
    form = AuthorProfileForm
    list_display = ["label", "slug", "user", "updated_at"]
    search_fields = ["display_name", "slug", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "avatar"]
    readonly_fields = ["bio_preview", "updated_at"]
    prepopulated_fields = {"slug": ["display_name"]}
    fieldsets = [
        (None, {"fields": ["user", "display_name", "slug"]}),
        ("About", {"fields": ["bio", "bio_preview", "avatar"]}),
        ("Links", {"fields": ["website", "links"]}),
    ]

    class Media:
        css = {"all": ["blog/admin/authors.css"]}

    @admin.display(description="Name", ordering="display_name")
    def label(self, profile: AuthorProfile) -> str:
        return profile.name or "(no public name: bylines show none)"

    @admin.display(description="Bio as readers see it")
    def bio_preview(self, profile: AuthorProfile) -> str:
        if not profile.bio_html:
            return "Shown here once the profile is saved."
        # Sanitized by blog.authors.render_bio when the profile was saved.
        html = mark_safe(profile.bio_html)  # noqa: S308
        return format_html('<div class="author-bio-preview">{}</div>', html)

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuthorProfile]:
        profiles = super().get_queryset(request).select_related("user")
        return profiles if edits_all(request) else profiles.filter(user=request.user)

    def _own(self, request: HttpRequest, obj: AuthorProfile | None) -> bool:
        return obj is None or edits_all(request) or obj.user_id == request.user.pk

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and self._own(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._own(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and edits_all(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        if not super().has_add_permission(request):
            return False
        return edits_all(request) or not AuthorProfile.objects.filter(user=request.user).exists()

    def get_fieldsets(self, request: HttpRequest, obj: AuthorProfile | None = None):
        fieldsets = super().get_fieldsets(request, obj)
        if edits_all(request):
            return fieldsets
        # An author's own profile: whose it is is not theirs to choose.
        first = {**fieldsets[0][1], "fields": ["display_name", "slug"]}
        return [(None, first), *fieldsets[1:]]

    def get_readonly_fields(self, request: HttpRequest, obj: AuthorProfile | None = None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and edits_all(request):
            fields.append("user")  # a profile stays with its user
        return fields

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """An author who may edit only their own profile goes straight to it."""
        if not edits_all(request) and self.has_view_permission(request):
            own = AuthorProfile.objects.filter(user=request.user).first()
            if own is not None:
                return HttpResponseRedirect(
                    reverse("admin:blog_authorprofile_change", args=[own.pk])
                )
            if self.has_add_permission(request):
                return HttpResponseRedirect(reverse("admin:blog_authorprofile_add"))
        return super().changelist_view(request, extra_context)

    def save_model(self, request: HttpRequest, obj: AuthorProfile, form, change: bool) -> None:
        if not edits_all(request):
            obj.user = request.user
        save_profile(obj, bio_html=getattr(form, "bio_html", None))

    def delete_model(self, request: HttpRequest, obj: AuthorProfile) -> None:
        delete_profiles(AuthorProfile.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[AuthorProfile]) -> None:
        delete_profiles(queryset)
