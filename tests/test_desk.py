"""The writing desk without a browser: the built files are current, the form names them."""

import hashlib
import re
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from blog import posts
from blog.autosave import Autosave
from blog.models import Post
from tests.admin_forms import change_url, form_data
from tests.factories import make_post, make_staff

CHANGELIST = reverse("admin:blog_post_changelist")

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
        self.assertContains(response, 'aria-label="Revised date: date"')


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

    def test_a_save_by_someone_else_leaves_the_slot_and_meets_the_conflict_check(self):
        """A colleague's save after my autosave keeps my text on offer; restoring it carries
        the version it was typed on, so saving it is refused as a conflict, theirs kept."""
        opened = self.post.updated_at.isoformat()
        self.autosave("My unsaved words", version=opened)
        post = Post.objects.get(pk=self.post.pk)
        post.body = "Their saved words"
        posts.save_post(post, user=self.other)
        slot = self.pending()
        self.assertEqual(slot["body"], "My unsaved words")
        data = form_data(post, body=slot["body"], version=slot["version"])
        response = self.client.post(change_url(post), data)
        self.assertContains(response, "Someone else saved this post")
        post.refresh_from_db()
        self.assertEqual(post.body, "Their saved words")

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


def opened_form(post: Post, **changes: str) -> dict[str, str]:
    """The change form as the browser sends it, with the date as it was when opened."""
    data = form_data(post)
    data["initial-publish_date_0"] = data["publish_date_0"]
    data["initial-publish_date_1"] = data["publish_date_1"]
    data.update(changes)
    return data


class PublishingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.publisher = make_staff("publisher")
        cls.publisher.user_permissions.add(Permission.objects.get(codename="publish_post"))
        cls.week_ago = timezone.now() - timedelta(days=7)

    def setUp(self):
        self.client.force_login(self.publisher)

    def test_date_going_live_dates_a_past_draft_now(self):
        """A draft leaving draft with a past date gets ``now``; a chosen or future date stays."""
        now = timezone.now()
        post = Post(draft=False, publish_date=self.week_ago)
        posts.date_going_live(post, was_draft=True, date_chosen=False, now=now)
        self.assertEqual(post.publish_date, now)
        for kept in [
            dict(was_draft=True, date_chosen=True),  # back-dated on purpose
            dict(was_draft=False, date_chosen=False),  # already live
        ]:
            post = Post(draft=False, publish_date=self.week_ago)
            posts.date_going_live(post, now=now, **kept)
            self.assertEqual(post.publish_date, self.week_ago)
        later = now + timedelta(days=2)
        post = Post(draft=False, publish_date=later)
        posts.date_going_live(post, was_draft=True, date_chosen=False, now=now)
        self.assertEqual(post.publish_date, later)

    def test_publish_button_dates_a_week_old_draft_now(self):
        """Publishing a draft started a week ago shows it as new, not a week old."""
        post = make_post(title="Week-old draft", draft=True, publish_date=self.week_ago)
        before = timezone.now()
        response = self.client.post(
            change_url(post), opened_form(post, _publish="Publish"), follow=True
        )
        post.refresh_from_db()
        self.assertFalse(post.draft)
        self.assertGreaterEqual(post.publish_date, before.replace(microsecond=0))
        self.assertContains(response, "Published “Week-old draft”, dated")

    def test_a_date_changed_on_purpose_is_kept(self):
        """An author who back-dates the post while publishing keeps that date."""
        post = make_post(draft=True, publish_date=self.week_ago)
        chosen = timezone.localtime(timezone.now() - timedelta(days=30))
        data = opened_form(
            post,
            publish_date_0=chosen.strftime("%Y-%m-%d"),
            publish_date_1=chosen.strftime("%H:%M:%S"),
            _publish="Publish",
        )
        self.client.post(change_url(post), data)
        post.refresh_from_db()
        self.assertFalse(post.draft)
        self.assertEqual(post.publish_date, chosen.replace(microsecond=0))

    def test_unticking_draft_and_saving_is_publishing_too(self):
        """The checkbox and the button mean the same: a week-old draft goes live dated now."""
        post = make_post(draft=True, publish_date=self.week_ago)
        data = opened_form(post)
        del data["draft"]
        self.client.post(change_url(post), data)
        post.refresh_from_db()
        self.assertEqual(post.status, Post.Status.PUBLISHED)
        self.assertGreater(post.publish_date, self.week_ago + timedelta(days=6))

    def test_a_future_date_schedules(self):
        """Publish with a future date schedules the post and says when, zone named."""
        later = timezone.localtime(timezone.now() + timedelta(days=2))
        post = make_post(draft=True, publish_date=later)
        response = self.client.post(
            change_url(post), opened_form(post, _publish="Schedule"), follow=True
        )
        post.refresh_from_db()
        self.assertEqual(post.status, Post.Status.SCHEDULED)
        self.assertContains(response, f"({timezone.get_current_timezone_name()})")

    def test_the_scheduled_status_names_the_sites_zone(self):
        """The list and the form say which time zone a scheduled time is in."""
        make_post(title="Later", publish_date=timezone.now() + timedelta(days=2))
        zone = timezone.get_current_timezone_name()
        self.assertRegex(
            self.client.get(CHANGELIST).content.decode(),
            rf"Scheduled for \d{{4}}-\d\d-\d\d \d\d:\d\d \({re.escape(zone)}\)",
        )

    def test_unpublish_is_one_click(self):
        """The Unpublish button puts a live post back to draft, keeping its date."""
        post = make_post(publish_date=self.week_ago)
        page = self.client.get(change_url(post))
        self.assertContains(page, 'name="_unpublish"')
        self.assertNotContains(page, 'name="_publish"')
        self.client.post(change_url(post), opened_form(post, _unpublish="Unpublish"))
        post.refresh_from_db()
        self.assertTrue(post.draft)
        self.assertEqual(
            post.publish_date.replace(microsecond=0), self.week_ago.replace(microsecond=0)
        )

    def test_saving_a_live_post_never_moves_its_date(self):
        """An editor without the publish permission corrects a live post: its date stays."""
        post = make_post(body="Teh typo.", publish_date=self.week_ago)
        self.client.force_login(make_staff("editor"))
        page = self.client.get(change_url(post))
        self.assertNotContains(page, 'name="_publish"')
        self.assertNotContains(page, 'name="_unpublish"')
        data = opened_form(post, body="The typo.")
        data.pop("draft", None)
        self.client.post(change_url(post), data)
        post.refresh_from_db()
        self.assertEqual(post.body, "The typo.")
        self.assertLess(post.publish_date, self.week_ago + timedelta(minutes=1))

    def test_bulk_publish_asks_first_and_names_the_dates(self):
        """The action shows each draft with the date it will get, and changes nothing yet."""
        old = make_post(title="Old draft", draft=True, publish_date=self.week_ago)
        later = make_post(
            title="Future draft", draft=True, publish_date=timezone.now() + timedelta(days=3)
        )
        live = make_post(title="Already live")
        data = {
            "action": "publish_posts",
            "_selected_action": [old.pk, later.pk, live.pk],
            "index": "0",
        }
        response = self.client.post(CHANGELIST, data)
        self.assertContains(response, "Publish these posts?")
        self.assertContains(response, "Old draft")
        self.assertContains(response, "(now)")
        self.assertContains(response, "(scheduled)")
        self.assertContains(response, "1 selected post is not a draft")
        self.assertEqual(Post.objects.filter(draft=True).count(), 2)

        self.client.post(CHANGELIST, {**data, "post": "yes", "dates": "now"})
        old.refresh_from_db()
        later.refresh_from_db()
        self.assertEqual(old.status, Post.Status.PUBLISHED)
        self.assertGreater(old.publish_date, self.week_ago + timedelta(days=6))
        self.assertEqual(later.status, Post.Status.SCHEDULED)

    def test_bulk_publish_may_keep_the_dates(self):
        old = make_post(draft=True, publish_date=self.week_ago)
        data = {"action": "publish_posts", "_selected_action": [old.pk], "index": "0"}
        self.client.post(CHANGELIST, {**data, "post": "yes", "dates": "keep"})
        old.refresh_from_db()
        self.assertFalse(old.draft)
        self.assertEqual(old.publish_date, self.week_ago)


class NewPostAutosaveTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = make_staff("writer")
        cls.user.user_permissions.add(Permission.objects.get(codename="add_post"))
        cls.url = reverse("admin:blog_post_autosave")

    def setUp(self):
        self.client.force_login(self.user)

    def test_a_new_post_has_one_slot_until_it_is_saved(self):
        """The add form autosaves to one slot per author; saving the post retires it."""
        for body in ("Start", "Start of a new post"):
            self.client.post(self.url, {"post": "", "title": "New one", "body": body})
        self.assertEqual(Autosave.objects.filter(post=None).count(), 1)
        slot = self.client.get(self.url, {"post": ""}).json()["autosave"]
        self.assertEqual(slot["body"], "Start of a new post")
        self.assertEqual(Post.objects.count(), 0)  # nothing was published or created

        data = {
            **{k: v for k, v in form_data(make_post()).items() if k != "version"},
            "title": "New one",
            "slug": "new-one",
            "body": "Start of a new post",
        }
        response = self.client.post(reverse("admin:blog_post_add"), data)
        self.assertEqual(response.status_code, 302)
        self.assertIsNone(self.client.get(self.url, {"post": ""}).json()["autosave"])

    def test_without_the_add_permission_no_new_slot(self):
        self.client.force_login(make_staff("reader", can_change_posts=False))
        response = self.client.post(self.url, {"post": "", "body": "x"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Autosave.objects.count(), 0)
