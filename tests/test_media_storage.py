"""Media on S3-compatible object storage: the settings' S3 configuration, driven against a
real S3 API over HTTP (moto's standalone server on loopback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage

from blog.media.images import store_upload
from blog.media.models import Image
from tests.factories import make_post
from tests.media_helpers import image_bytes, photo_with_location, upload

moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")
boto3 = pytest.importorskip("boto3")

pytestmark = pytest.mark.django_db
BUCKET = "blog-media"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "test-key",
    "AWS_SECRET_ACCESS_KEY": "test-secret",  # noqa: S105 - moto accepts any
}


@pytest.fixture(scope="module")
def endpoint():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def storage_settings(endpoint: str) -> dict:
    """STORAGES["default"] as config/settings.py builds it from the environment."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "MEDIA_S3_BUCKET": BUCKET,
        "MEDIA_S3_ENDPOINT_URL": endpoint,
        "MEDIA_S3_REGION": "us-east-1",
    }
    code = "import json; from django.conf import settings; print(json.dumps(settings.STORAGES))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)["default"]


@pytest.fixture
def s3(endpoint, settings, monkeypatch, tmp_path):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    # Readers fetch images anonymously, as from a public bucket or a CDN in front of it.
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/*",
            }
        ],
    }
    client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    settings.MEDIA_ROOT = tmp_path / "local-media"
    settings.STORAGES = {**settings.STORAGES, "default": storage_settings(endpoint)}
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_the_settings_pick_s3_from_the_environment(endpoint):
    config = storage_settings(endpoint)
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    assert config["OPTIONS"]["bucket_name"] == BUCKET
    assert config["OPTIONS"]["endpoint_url"] == endpoint
    assert config["OPTIONS"]["querystring_auth"] is False


def test_an_upload_is_stored_in_the_bucket_with_types_and_cache_lifetimes(s3, tmp_path):
    """Every file goes to the bucket (none to the local disk), typed by its format and
    cacheable for a year, since a name never changes content."""
    image, created = store_upload(upload(photo_with_location(2000, 1200), "trip.jpg"))
    assert created
    assert keys(s3) == set(image.stored_names())
    assert not (tmp_path / "local-media").exists()
    types = {"jpeg": "image/jpeg", "webp": "image/webp", "avif": "image/avif"}
    for rendition in image.renditions:
        head = s3.head_object(Bucket=BUCKET, Key=rendition["name"])
        assert head["ContentType"] == types[rendition["format"]]
        assert head["CacheControl"] == "public, max-age=31536000, immutable"
        body = s3.get_object(Bucket=BUCKET, Key=rendition["name"])["Body"].read()
        assert b"SERIAL-123456" not in body


def test_the_image_url_is_served_by_the_object_store(s3, endpoint):
    """The URL the pages use fetches the image from the store, with its type."""
    image, _ = store_upload(upload(image_bytes(600, 300), "a.jpg"))
    assert image.url.startswith(f"{endpoint}/{BUCKET}/images/")
    with urllib.request.urlopen(image.url, timeout=10) as response:  # noqa: S310 - loopback
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.read() == default_storage.open(image.file.name).read()


def test_a_body_image_on_the_object_store_becomes_a_picture(s3, endpoint):
    image, _ = store_upload(upload(image_bytes(1200, 600), "a.jpg"), alt_text="Stored remotely")
    post = make_post(body=f"![Remote]({image.url})")
    assert "<picture>" in post.body_html
    assert f'srcset="{endpoint}/{BUCKET}/images/' in post.body_html


def test_the_same_file_twice_is_one_set_of_objects(s3):
    data = image_bytes(700, 400)
    store_upload(upload(data, "a.jpg"))
    before = keys(s3)
    store_upload(upload(data, "b.jpg"))
    assert keys(s3) == before
    assert Image.objects.count() == 1


def test_deleting_an_image_removes_its_objects(s3, django_capture_on_commit_callbacks):
    image, _ = store_upload(upload(image_bytes(700, 400), "a.jpg"))
    with django_capture_on_commit_callbacks(execute=True):
        image.delete()
    assert keys(s3) == set()
