from django.core.management.base import BaseCommand, CommandError

from blog.authors import AUTHOR_PERMISSIONS, ensure_authors_group


class Command(BaseCommand):
    help = "Create (or reset) the Authors group: write, publish, share and tag posts."

    def handle(self, *args, **options) -> None:
        try:
            group, created = ensure_authors_group()
        except LookupError as error:
            raise CommandError(str(error)) from error
        verb = "Created" if created else "Updated"
        self.stdout.write(
            f"{verb} group {group.name!r} with {len(AUTHOR_PERMISSIONS)} permissions. "
            "Add staff users to it in the admin (Users → Groups)."
        )
