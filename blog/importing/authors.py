"""The authors of a platform's export (WordPress logins, Ghost slugs) as this site's users."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser


class ExportAuthors:
    """Finds each author's user by username, or creates an inactive one (no password, so
    nobody can log in as them until an administrator says so). Each user is looked up once
    per import; a dry run creates nobody."""

    def __init__(self, *, dry_run: bool) -> None:
        self.dry_run = dry_run
        self.users: dict[str, AbstractBaseUser | None] = {}

    def user(self, login: str, name: str, notes: list[str]) -> AbstractBaseUser | None:
        """The user for ``login`` (None in a dry run when it would be created); a note in
        ``notes`` when the user is new."""
        if login in self.users:
            return self.users[login]
        User = get_user_model()  # noqa: N806 (a class)
        field = User.USERNAME_FIELD
        user = User._default_manager.filter(**{field: login}).first()
        if user is None:
            first, _, last = name.partition(" ")
            if self.dry_run:
                notes.append(f"author {login!r} would be created as an inactive user")
            else:
                user = User(**{field: login}, first_name=first[:150], last_name=last[:150])
                user.is_active = False
                user.set_unusable_password()
                user.save()
                notes.append(f"author {login!r} created as an inactive user")
        self.users[login] = user
        return user
