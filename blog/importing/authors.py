"""The authors of a platform's export (WordPress logins, Ghost slugs) as this site's users,
with the author profiles their export describes."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError

from blog.authors import save_profile
from blog.profiles import AuthorProfile, profile_of, unique_slug

# What an export may fill in a profile, when the profile has nothing there yet.
PROFILE_FIELDS = ("display_name", "bio", "website")


class ExportAuthors:
    """Finds each author's user by username, or creates an inactive one (no password, so
    nobody can log in as them until an administrator says so), and fills their profile's
    empty fields from the export. Each user is looked up once per import; a dry run creates
    nobody and changes no profile."""

    def __init__(self, *, dry_run: bool) -> None:
        self.dry_run = dry_run
        self.users: dict[str, AbstractBaseUser | None] = {}

    def user(
        self, login: str, name: str, notes: list[str], *, profile: dict[str, str] | None = None
    ) -> AbstractBaseUser | None:
        """The user for ``login`` (None in a dry run when it would be created); a note in
        ``notes`` when the user is new. ``profile`` is what the export says of the author
        (``Item.author_profile``)."""
        if login in self.users:
            return self.users[login]
        profile = {key: value for key, value in (profile or {}).items() if value}
        # WordPress gives the login as the display name when the author chose none: a login
        # must never become a name readers see.
        if name.casefold() == login.casefold():
            name = ""
        if profile.get("display_name", "").casefold() == login.casefold():
            del profile["display_name"]
        User = get_user_model()  # noqa: N806 (a class)
        field = User.USERNAME_FIELD
        user = User._default_manager.filter(**{field: login}).first()
        if user is None:
            if "first_name" in profile or "last_name" in profile:
                first, last = profile.get("first_name", ""), profile.get("last_name", "")
            else:
                first, _, last = name.partition(" ")
            if self.dry_run:
                notes.append(f"author {login!r} would be created as an inactive user")
            else:
                user = User(**{field: login}, first_name=first[:150], last_name=last[:150])
                user.is_active = False
                user.set_unusable_password()
                user.save()
                notes.append(f"author {login!r} created as an inactive user")
        if user is not None and not self.dry_run:
            self._fill_profile(user, {"display_name": name, **profile}, notes)
        self.users[login] = user
        return user

    def _fill_profile(self, user: AbstractBaseUser, said: dict[str, str], notes: list[str]) -> None:
        """Make or complete ``user``'s profile from the export: only empty fields are filled,
        so edits made in the admin stay; a value the profile refuses is noted, not saved."""
        existing = profile_of(user)
        profile = existing or AuthorProfile(user=user)
        changed = []
        for key in PROFILE_FIELDS:
            value = said.get(key, "")
            if value and not getattr(profile, key):
                setattr(profile, key, value[: AuthorProfile._meta.get_field(key).max_length])
                changed.append(key)
        if existing is None and not (profile.display_name or user.get_full_name().strip()):
            return  # nothing to call them: no profile (see blog.authors.ensure_profiles)
        if existing is None and said.get("slug"):
            profile.slug = unique_slug(said["slug"])
        if existing is not None and not changed:
            return
        try:
            save_profile(profile)
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                notes.append(f"author profile: {key} not imported ({' '.join(messages)})")
                setattr(profile, key, "")
            save_profile(profile)
