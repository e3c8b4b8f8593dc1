"""Links between imported post files lead to the posts, whenever the target is imported."""

from pathlib import Path

import pytest

from blog.importing.importer import import_posts
from blog.models import Post
from tests.factories import make_staff
from tests.factories import write_file as write

pytestmark = pytest.mark.django_db


def run(*paths: Path):
    result = import_posts([str(path) for path in paths], workers=1)
    assert result.ok, [str(outcome) for outcome in result.outcomes]
    return result


LINKING = (
    "---\ntitle: Linking\ndate: 2020-01-01\n---\n"
    "See [other](../2019/other.md#part), [bundle](./bundle/index.md) and [x](other.md).\n"
)


def test_relative_links_lead_to_the_posts(client, tmp_path):
    write(tmp_path, "2020/linking.md", LINKING)
    write(tmp_path, "2019/other.md", "---\ntitle: Other\ndate: 2019-01-01\n---\nO\n")
    write(tmp_path, "2020/bundle/index.md", "---\ntitle: Bundle\ndate: 2019-01-02\n---\nB\n")
    write(tmp_path, "2020/other.md", "---\ntitle: Other 2020\ndate: 2019-01-03\n---\nO\n")
    run(tmp_path)
    html = Post.objects.get(title="Linking").body_html
    assert 'href="/2019/other.md#part"' in html
    assert 'href="/2020/bundle/index.md"' in html
    assert 'href="/2020/other.md"' in html
    for href, title in [
        ("/2019/other.md", "Other"),
        ("/2020/bundle/index.md", "Bundle"),
        ("/2020/other.md", "Other 2020"),
    ]:
        response = client.get(href)
        assert response.status_code == 301
        assert response["Location"] == Post.objects.get(title=title).get_absolute_url()


def test_a_target_imported_later_is_found(client, tmp_path):
    write(tmp_path, "first/2020/linking.md", LINKING)
    run(tmp_path / "first")
    assert client.get("/2019/other.md").status_code == 404
    write(tmp_path, "first/2019/other.md", "---\ntitle: Other\ndate: 2019-01-01\n---\nO\n")
    run(tmp_path / "first")
    assert (
        client.get("/2019/other.md")["Location"]
        == Post.objects.get(title="Other").get_absolute_url()
    )


def test_a_draft_target_stays_hidden(client, tmp_path):
    write(tmp_path, "a.md", "---\ntitle: Secret\ndraft: true\n---\nS\n")
    run(tmp_path)
    assert client.get("/a.md").status_code == 404
    client.force_login(make_staff())
    assert client.get("/a.md").status_code == 301


def test_a_link_to_a_missing_file_is_reported(tmp_path):
    write(tmp_path, "2020/linking.md", LINKING)
    result = run(tmp_path)
    notes = result.outcomes[0].notes
    assert any("../2019/other.md: no such post file" in note for note in notes), notes
    assert any("./bundle/index.md: no such post file" in note for note in notes), notes


def test_links_out_of_the_folder_and_elsewhere_stay(tmp_path):
    text = (
        "[up](../../outside.md) [web](https://example.com/a.md) [abs](/notes/a.md) "
        "[page](other.html)\n"
    )
    write(tmp_path, "a.md", text)
    run(tmp_path)
    html = Post.objects.get().body_html
    for href in ("../../outside.md", "https://example.com/a.md", "/notes/a.md", "other.html"):
        assert f'href="{href}"' in html
