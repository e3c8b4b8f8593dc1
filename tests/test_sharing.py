"""A signed, expiring, revocable link lets someone without an account read one draft."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Permission, User
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from blog import sharing
from blog.models import ShareLink
from tests.factories import make_post, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    return make_post(title="Secret draft", body="Not yet **public**.", draft=True, tags=["x"])


def test_share_link_shows_a_draft_without_an_account(client, draft):
    link = sharing.create_share_link(draft)
    response = client.get(sharing.share_path(link))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Secret draft" in content
    assert "<strong>public</strong>" in content
    assert '<meta name="robots" content="noindex, nofollow">' in content
    assert "this is a preview" in content
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    # The draft itself is still a 404 at its own address.
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_a_link_shows_only_its_own_post(client, draft):
    other = make_post(title="Other draft", draft=True)
    content = client.get(sharing.share_path(sharing.create_share_link(draft))).content.decode()
    assert "Other draft" not in content
    assert other.get_absolute_url() not in content


def test_revoked_link_is_404(client, draft):
    link = sharing.create_share_link(draft)
    sharing.revoke(link)
    assert client.get(sharing.share_path(link)).status_code == 404


def test_expired_link_is_404(client, draft):
    link = sharing.create_share_link(draft, days=1)
    path = sharing.share_path(link)
    later = timezone.now() + timedelta(days=1, minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert client.get(path).status_code == 404


def test_signature_older_than_the_maximum_age_is_refused(client, draft):
    """Even a row with a far expiry cannot outlive MAX_AGE."""
    link = sharing.create_share_link(draft, days=365)
    path = sharing.share_path(link)
    with mock.patch("django.core.signing.time.time", return_value=10**10):
        assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "signed",
    ["nonsense", "abc:def", "a" * 40 + ":1:2", signing.TimestampSigner(salt="other").sign("tok")],
)
def test_forged_or_malformed_tokens_are_404(client, draft, signed):
    sharing.create_share_link(draft)
    assert client.get(reverse("blog:shared_post", kwargs={"signed": signed})).status_code == 404


def test_token_of_a_real_link_signed_with_the_wrong_salt_is_refused(client, draft):
    link = sharing.create_share_link(draft)
    forged = signing.TimestampSigner(salt="not-the-salt").sign(link.token)
    assert client.get(reverse("blog:shared_post", kwargs={"signed": forged})).status_code == 404


# --- the admin page that creates and revokes links --------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("admin", "a@example.com", "pw-unused-1"))
    return client


def test_author_creates_and_revokes_a_link_in_the_admin(admin_client, client, draft):
    url = reverse("admin:blog_post_share", args=[draft.pk])
    assert admin_client.post(url, {"days": "3"}).status_code == 302
    link = ShareLink.objects.get()
    assert link.created_by.username == "admin"
    assert timedelta(days=2, hours=23) < link.expires_at - timezone.now() <= timedelta(days=3)
    page = admin_client.get(url).content.decode()
    # The signature carries the second it was made, so the page's link is checked by
    # unsigning it, not compared with one signed here a moment later.
    signed = re.search(rf'/share/({re.escape(link.token)}:[^/"]+)/', page).group(1)
    assert sharing.active_link(signed) == link
    assert "Active" in page

    assert admin_client.post(url, {"revoke": link.pk}).status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert "Revoked" in admin_client.get(url).content.decode()


def test_days_are_bounded(admin_client, draft):
    url = reverse("admin:blog_post_share", args=[draft.pk])
    admin_client.post(url, {"days": "0"})
    admin_client.post(url, {"days": "1000"})
    assert not ShareLink.objects.exists()


def test_sharing_needs_permission(client, draft):
    """An editor without the share-link permissions cannot create or revoke links."""
    client.force_login(make_staff())
    url = reverse("admin:blog_post_share", args=[draft.pk])
    assert client.post(url, {"days": "3"}).status_code == 403
    link = sharing.create_share_link(draft)
    assert client.post(url, {"revoke": link.pk}).status_code == 403


def test_share_page_needs_access_to_posts(client, draft):
    user = User.objects.create_user("nobody", password="pw-unused-3", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_sharelink"))
    client.force_login(user)
    url = reverse("admin:blog_post_share", args=[draft.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"days": "3"}).status_code == 403


def test_view_only_staff_never_see_share_urls(client, draft):
    """Viewing a post does not grant its share links: each URL opens the draft to anyone."""
    link = sharing.create_share_link(draft)
    token = signing.TimestampSigner(salt=sharing.SALT).sign(link.token)
    viewer = make_staff("viewer", can_change_posts=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_post"))
    client.force_login(viewer)
    share_url = reverse("admin:blog_post_share", args=[draft.pk])
    response = client.get(share_url)
    assert response.status_code == 403
    assert link.token not in response.content.decode()
    form = client.get(reverse("admin:blog_post_change", args=[draft.pk])).content.decode()
    assert share_url not in form
    assert token not in form


def test_the_share_link_permission_shows_the_links(client, draft):
    """Staff given the view permission on share links see them, without creating any."""
    link = sharing.create_share_link(draft)
    viewer = make_staff("viewer", can_change_posts=False)
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_post", "view_sharelink"])
    )
    client.force_login(viewer)
    content = client.get(reverse("admin:blog_post_share", args=[draft.pk])).content.decode()
    assert sharing.share_path(link).rsplit(":", 2)[0] in content
    assert "Create a share link" not in content
