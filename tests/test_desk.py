"""The writing desk without a browser: the built files are current, the form names them."""

import hashlib
import re
from pathlib import Path

from django.conf import settings
from django.test import TestCase
from django.urls import reverse

from blog import posts
from blog.autosave import Autosave
from blog.models import Post
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


class AutosaveTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = make_staff("writer")
        cls.other = make_staff("other")
        cls.post = make_post(title="Kept", body="Saved text.", draft=True)
        cls.url = reverse("admin:blog_post_autosave")

    def setUp(self):
        self.client.force_login(self.user)

    def autosave(self, body: str, **extra) -> None:
        response = self.client.post(
            self.url, {"post": self.post.pk, "title": "Kept", "body": body, **extra}
        )
        self.assertEqual(response.status_code, 200)

    def pending(self, client=None) -> dict | None:
        response = (client or self.client).get(self.url, {"post": self.post.pk})
        self.assertIn("no-store", response["Cache-Control"])
        return response.json()["autosave"]

    def test_autosave_keeps_one_slot_and_never_touches_the_post(self):
        """Each autosave replaces the author's slot; the post, its versions and status stay."""
        before = Post.objects.get(pk=self.post.pk)
        self.autosave("First words")
        self.autosave("First words and more", version="v1")
        self.assertEqual(Autosave.objects.count(), 1)
        slot = self.pending()
        self.assertEqual(slot["body"], "First words and more")
        self.assertEqual(slot["version"], "v1")
        after = Post.objects.get(pk=self.post.pk)
        self.assertEqual(after.body, "Saved text.")
        self.assertEqual(after.updated_at, before.updated_at)
        self.assertTrue(after.draft)
        self.assertEqual(after.revisions.count(), 0)

    def test_each_author_has_their_own_slot(self):
        """Another author's autosave neither replaces nor shows up in mine."""
        self.autosave("Mine")
        other = self.client_class()
        other.force_login(self.other)
        other.post(self.url, {"post": self.post.pk, "title": "Kept", "body": "Theirs"})
        self.assertEqual(self.pending()["body"], "Mine")
        self.assertEqual(self.pending(other)["body"], "Theirs")

    def test_a_save_into_the_post_retires_the_slot(self):
        """Once the post is saved after the autosave, reopening offers nothing."""
        self.autosave("Typed, then saved")
        post = Post.objects.get(pk=self.post.pk)
        post.body = "Typed, then saved"
        posts.save_post(post, user=self.user)
        self.assertIsNone(self.pending())
        self.assertEqual(Autosave.objects.count(), 0)

    def test_text_equal_to_the_post_is_not_offered(self):
        """An autosave of the text already saved (line endings aside) is not offered."""
        self.autosave("Saved text.")
        self.assertIsNone(self.pending())

    def test_discard_empties_the_slot(self):
        self.autosave("Unwanted")
        self.client.post(self.url, {"post": self.post.pk, "discard": "1"})
        self.assertIsNone(self.pending())

    def test_csrf_is_required(self):
        """The endpoint writes, so a cross-site form cannot post to it."""
        client = self.client_class(enforce_csrf_checks=True)
        client.force_login(self.user)
        response = client.post(self.url, {"post": self.post.pk, "body": "x"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Autosave.objects.count(), 0)

    def test_only_authors_who_may_change_the_post(self):
        """Without the change permission: refused; an unknown post: 404."""
        reader = make_staff("reader", can_change_posts=False)
        self.client.force_login(reader)
        response = self.client.post(self.url, {"post": self.post.pk, "body": "x"})
        self.assertEqual(response.status_code, 403)
        self.client.force_login(self.user)
        self.assertEqual(self.client.get(self.url, {"post": "nope"}).status_code, 404)
        self.assertEqual(Autosave.objects.count(), 0)
