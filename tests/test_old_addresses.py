"""An imported post's address on its old site, and the old site's feeds, answer 301."""

import pytest
from django.core.management import call_command

from blog.importing.importer import import_posts
from blog.models import Post
from tests.factories import write_file as write

pytestmark = pytest.mark.django_db


def imported(paths, **options) -> Post:
    result = import_posts([str(path) for path in paths], workers=1, **options)
    assert result.ok, [str(outcome) for outcome in result.outcomes]
    return Post.objects.get()


def moved_to(client, old: str) -> str:
    response = client.get(old)
    assert response.status_code == 301, (old, response.status_code)
    return response["Location"]


def test_jekyll_default_address(client, tmp_path):
    """_posts/2019-05-21-hello-world.md was served at /2019/05/21/hello-world.html."""
    write(tmp_path, "_config.yml", "title: Old\n")
    write(tmp_path, "_posts/2019-05-21-hello-world.md", "---\ntitle: Hello\n---\nBody.\n")
    post = imported([tmp_path / "_posts"])
    assert moved_to(client, "/2019/05/21/hello-world.html") == post.get_absolute_url()


def test_jekyll_categories_come_first(client, tmp_path):
    """Jekyll's default pattern puts the post's categories before the date, lower-cased."""
    write(tmp_path, "_config.yml", "title: Old\n")
    text = "---\ntitle: Hi\ncategories: [Python, Web]\n---\nBody.\n"
    write(tmp_path, "_posts/2019-05-21-hi.md", text)
    post = imported([tmp_path])
    assert moved_to(client, "/python/web/2019/05/21/hi.html") == post.get_absolute_url()


def test_front_matter_permalink_wins(client, tmp_path):
    write(tmp_path, "_posts/2019-05-21-x.md", "---\ntitle: X\npermalink: /blog/x-page/\n---\nB\n")
    post = imported([tmp_path])
    assert moved_to(client, "/blog/x-page/") == post.get_absolute_url()
    assert client.get("/2019/05/21/x.html").status_code == 404


def test_front_matter_permalink_pattern_is_expanded(client, tmp_path):
    text = "---\ntitle: Y\ndate: 2020-02-03\npermalink: /:year/:title/\n---\nB\n"
    write(tmp_path, "posts/why.md", text)
    post = imported([tmp_path])
    assert moved_to(client, "/2020/why/") == post.get_absolute_url()


def test_hugo_default_address_and_bundle(client, tmp_path):
    """content/articles/Slug.md -> /articles/slug/; a bundle's folder names it."""
    write(tmp_path, "content/articles/My-Post.md", "+++\ntitle = 'A'\ndate = 2020-01-01\n+++\nA\n")
    write(tmp_path, "content/notes/bundle/index.md", "---\ntitle: B\ndate: 2020-01-02\n---\nB\n")
    import_posts([str(tmp_path / "content")], workers=1)
    a, b = Post.objects.get(title="A"), Post.objects.get(title="B")
    assert moved_to(client, "/articles/my-post/") == a.get_absolute_url()
    assert moved_to(client, "/notes/bundle/") == b.get_absolute_url()


@pytest.mark.parametrize(
    ("files", "folder", "old"),
    [
        pytest.param(
            {"content/posts/a.md": "---\ntitle: A\nurl: /2015/05/21/old-a/\n---\nA\n"},
            "",
            "/2015/05/21/old-a/",
            id="hugo-url-front-matter",
        ),
        pytest.param(
            {
                "config.toml": 'base_url = "https://old.example"\n',
                "content/blog/2020-01-01-first.md": "+++\ntitle = 'Z'\n+++\nZ\n",
            },
            "content",
            "/blog/first/",
            id="zola-strips-the-date-prefix",
        ),
        pytest.param(
            {"content/a.md": "Title: Pelican Post\nDate: 2020-01-01\n\nText.\n"},
            "",
            "/pelican-post.html",
            id="pelican-slug-html",
        ),
        pytest.param(
            {"src/content/blog/first.md": "---\ntitle: F\npubDate: 2020-01-01\n---\nF\n"},
            "src/content/blog",
            "/blog/first/",
            id="astro-collection",
        ),
        pytest.param(
            {
                "eleventy.config.js": "export default function () {}\n",
                "blog/hello.md": "---\ntitle: E\ndate: 2020-01-01\n---\nE\n",
            },
            "blog",
            "/blog/hello/",
            id="eleventy-path-from-the-project",
        ),
    ],
)
def test_platform_address(client, tmp_path, files, folder, old):
    """Each generator's old address for a post, with ``files`` imported from ``folder``."""
    for name, text in files.items():
        write(tmp_path, name, text)
    post = imported([tmp_path / folder])
    assert moved_to(client, old) == post.get_absolute_url()


def test_pattern_given_to_the_import(client, tmp_path):
    write(tmp_path, "old-one.md", "---\ntitle: P\ndate: 2021-07-04 10:00\n---\nP\n")
    post = imported([tmp_path], permalink="/:year/:month/:day/:title.html")
    assert moved_to(client, "/2021/07/04/old-one.html") == post.get_absolute_url()


def test_pattern_from_the_command_line(client, tmp_path):
    write(tmp_path, "old-two.md", "---\ntitle: Q\ndate: 2021-07-04\n---\nQ\n")
    call_command("import_posts", str(tmp_path), "--permalink", "pretty", "--workers", "1")
    post = Post.objects.get()
    assert moved_to(client, "/2021/07/04/old-two/") == post.get_absolute_url()


def test_no_generator_no_pattern_no_address(tmp_path):
    """A plain folder of Markdown gives no guessed address."""
    write(tmp_path, "plain.md", "---\ntitle: N\ndate: 2021-07-04\n---\nN\n")
    post = imported([tmp_path])
    assert not post.redirects.exists()


def test_old_address_of_a_draft_stays_404(client, tmp_path):
    """The old address answers only while readers may see the post."""
    text = "---\ntitle: D\ndraft: true\npermalink: /d.html\n---\nD\n"
    write(tmp_path, "d.md", text)
    imported([tmp_path])
    assert client.get("/d.html").status_code == 404


def test_old_address_taken_by_another_post_is_reported(tmp_path):
    write(tmp_path, "a.md", "---\ntitle: A\ndate: 2020-01-01\npermalink: /same/\n---\nA\n")
    write(tmp_path, "b.md", "---\ntitle: B\ndate: 2020-01-02\npermalink: /same/\n---\nB\n")
    result = import_posts([str(tmp_path)], workers=1)
    notes = [note for outcome in result.outcomes for note in outcome.notes]
    assert any("/same/ refused" in note for note in notes), notes


@pytest.mark.parametrize(
    ("old", "feed"),
    [
        ("/feed.xml", "/feed.atom"),
        ("/atom.xml", "/feed.atom"),
        ("/index.xml", "/feed.rss"),
        ("/rss.xml", "/feed.rss"),
        ("/feed/", "/feed.rss"),
        ("/rss/", "/feed.rss"),
    ],
)
def test_old_feed_addresses(client, old, feed):
    assert moved_to(client, old) == feed
