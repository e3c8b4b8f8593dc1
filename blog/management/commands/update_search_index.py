from django.core.management.base import BaseCommand

from blog.models import Post
from blog.search import update_search_vectors, uses_full_text_search


class Command(BaseCommand):
    help = (
        "Recompute every post's full-text search vector (PostgreSQL only). Saves and tag "
        "changes keep vectors current; run this after bulk SQL edits or a change of "
        "blog.search.SEARCH_CONFIG."
    )

    def handle(self, *args, **options) -> None:
        if not uses_full_text_search():
            self.stdout.write("Not PostgreSQL: search reads the posts directly, nothing to do.")
            return
        count = update_search_vectors(Post.objects.all())
        self.stdout.write(self.style.SUCCESS(f"Updated the search vectors of {count} post(s)."))
