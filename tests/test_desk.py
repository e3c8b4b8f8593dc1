"""The writing desk without a browser: the built files are current, the form names them."""

import hashlib
import re
from pathlib import Path

from django.conf import settings
from django.test import TestCase
from django.urls import reverse

from tests.factories import make_post, make_staff

STATIC = Path(settings.BASE_DIR) / "static"


class BuiltFilesTests(TestCase):
    def test_preview_stylesheet_is_built_from_the_current_site_stylesheets(self):
        """preview.css is the site's CSS scoped: a change to site.css needs scripts/build_editor."""
        digest = hashlib.sha256()
        for name in ("site.css", "pygments.css"):
            digest.update((STATIC / "css" / name).read_bytes())
        header = (STATIC / "blog" / "admin" / "preview.css").read_text()[:400]
        built = re.search(r"sources sha256: ([0-9a-f]{64})", header)
        self.assertIsNotNone(built)
        self.assertEqual(
            built.group(1), digest.hexdigest(), "static/css changed: run scripts/build_editor"
        )

    def test_the_editor_bundle_is_committed_and_self_contained(self):
        """The editor is one vendored file: no module imports, nothing fetched from elsewhere."""
        bundle = (STATIC / "blog" / "admin" / "editor.js").read_text()
        self.assertIn("CodeMirror", bundle[:400])
        self.assertNotRegex(bundle, r"\bimport\s*\(|\bimport\s+[\w{]|https://cdn")


class ChangeFormTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = make_staff("writer")
        cls.post = make_post(title="On the desk", body="Some *text*.")

    def setUp(self):
        self.client.force_login(self.user)

    def test_the_editor_script_carries_the_policy_nonce(self):
        """The script that mounts CodeMirror has the nonce its <style> element needs."""
        response = self.client.get(reverse("admin:blog_post_change", args=[self.post.pk]))
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        self.assertContains(response, f'nonce="{nonce}"')
        self.assertContains(response, "blog/admin/editor.js")
        self.assertContains(response, "blog/admin/preview.css")
        # The textarea is still the form's field, so the form works without the script.
        self.assertContains(response, 'data-markdown-editor=""')
        self.assertContains(response, "Some *text*.</textarea>")

    def test_publish_date_inputs_have_names(self):
        """The date and time inputs are labelled for screen readers."""
        response = self.client.get(reverse("admin:blog_post_change", args=[self.post.pk]))
        self.assertContains(response, 'aria-label="Publish date: date"')
        self.assertContains(response, 'aria-label="Publish date: time"')
