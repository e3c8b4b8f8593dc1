"""blog.links: remembered reverse() gives what reverse() gives, whatever changed since."""

import re
from pathlib import Path

from django.test import SimpleTestCase, override_settings
from django.urls import path, reverse, set_script_prefix

from blog.links import CACHED_ADDRESSES, remembered_addresses, url_for

urlpatterns = [path("elsewhere/<slug:slug>/", lambda request, slug: None, name="post_detail")]


class UrlForTests(SimpleTestCase):
    def test_same_addresses_as_reverse(self):
        """Posts, tags (one or combined) and fixed pages: exactly reverse()'s answers."""
        cases = [
            ("blog:post_detail", {"slug": "a-post"}),
            ("blog:post_detail", {"slug": "深度学习"}),
            ("blog:tag_detail", {"slug": "django+python"}),
            ("blog:feed_atom", {}),
            ("blog:archive_month", {"year": 2024, "month": 5}),
        ]
        for name, kwargs in cases:
            with self.subTest(name=name, kwargs=kwargs):
                self.assertEqual(url_for(name, **kwargs), reverse(name, kwargs=kwargs))
                self.assertEqual(url_for(name, **kwargs), reverse(name, kwargs=kwargs))

    def test_a_new_urlconf_is_followed(self):
        """Changing ROOT_URLCONF forgets what was remembered."""
        url_for("blog:post_detail", slug="x")
        with override_settings(ROOT_URLCONF="tests.test_links"):
            self.assertEqual(url_for("post_detail", slug="x"), "/elsewhere/x/")
        self.assertEqual(url_for("blog:post_detail", slug="x"), "/posts/x/")

    def test_the_script_prefix_is_part_of_the_address(self):
        """Served under a prefix (SCRIPT_NAME), addresses carry it; remembered per prefix."""
        plain = url_for("blog:post_detail", slug="x")
        set_script_prefix("/blog/")
        try:
            self.assertEqual(url_for("blog:post_detail", slug="x"), "/blog/posts/x/")
        finally:
            set_script_prefix("/")
        self.assertEqual(url_for("blog:post_detail", slug="x"), plain)

    def test_memory_is_bounded(self):
        """However many posts there are, at most CACHED_ADDRESSES addresses are kept."""
        for n in range(CACHED_ADDRESSES + 100):
            url_for("blog:post_detail", slug=f"post-{n}")
        self.assertEqual(remembered_addresses(), CACHED_ADDRESSES)


def test_reader_templates_reverse_addresses_one_way():
    """Reader templates reverse addresses with {% url_for %} only (the admin's extend Django's)."""
    templates = Path(__file__).resolve().parent.parent / "templates"
    readers = [*templates.glob("*.html"), *templates.glob("*.txt"), *templates.glob("blog/**/*")]
    assert readers
    for template in readers:
        if template.is_file():
            assert not re.search(r"{%\s*url\s", template.read_text()), template
