"""Front matter: splitting files by dialect, line numbers of errors, and date parsing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from blog.importing import frontmatter
from blog.importing.frontmatter import FrontMatterError, parse_date, split

CASES = {
    "yaml": "---\ntitle: A\nlist: [1, 2]\n---\nbody\n",
    "yaml_dots": "---\ntitle: A\n...\nbody\n",
    "toml": '+++\ntitle = "A"\n[x]\ny = 1\n+++\nbody\n',
    "json": '{"title": "A", "n": {"m": 1}}\n\nbody\n',
    "pelican": "Title: A\nTags: a, b\n    c\n\nbody\n",
    "none": "# A\n\nbody\n",
    "bom_crlf": "\ufeff---\r\ntitle: A\r\n---\r\nbody\r\n",
    "no_final_newline": "---\ntitle: A\n---\nbody",
    "empty_yaml": "---\n---\nbody\n",
}


@pytest.mark.parametrize("name", CASES)
def test_raw_plus_body_is_the_file(name):
    """Whatever the dialect, the head kept verbatim plus the body is the whole text."""
    parsed = split(CASES[name])
    assert parsed.raw + parsed.body == CASES[name]


def test_dialects_and_values():
    """Each dialect is recognised and its values read, in order, nested ones included."""
    assert split(CASES["yaml"]).data == {"title": "A", "list": [1, 2]}
    assert split(CASES["yaml_dots"]).format == frontmatter.YAML
    toml = split(CASES["toml"])
    assert (toml.format, toml.data) == ("toml", {"title": "A", "x": {"y": 1}})
    json_ = split(CASES["json"])
    assert (json_.format, json_.data, json_.body) == (
        "json",
        {"title": "A", "n": {"m": 1}},
        "\nbody\n",
    )
    pelican = split(CASES["pelican"])
    assert (pelican.format, pelican.data) == ("pelican", {"Title": "A", "Tags": ["a, b", "c"]})
    assert pelican.body == "body\n"
    assert split(CASES["none"]).format == frontmatter.NONE
    assert split(CASES["bom_crlf"]).data == {"title": "A"}
    assert split(CASES["empty_yaml"]).data == {}


def test_a_first_paragraph_with_a_colon_is_not_pelican():
    """'Note: …' opening a plain Markdown file stays body text."""
    parsed = split("Note: this is just a paragraph\n\nMore.\n")
    assert parsed.format == frontmatter.NONE
    assert parsed.body.startswith("Note:")


def test_liquid_opening_is_not_json():
    """A body that opens with `{%` is not JSON front matter."""
    assert split("{% include x.html %}\nbody\n").format == frontmatter.NONE


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("---\ntitle: A\nbad: [1, 2\n---\n", 4),
        ("---\ntitle: A\n  indented: wrong\n---\n", 3),
        ("---\n- a list\n---\n", 2),
        ('+++\ntitle = "A"\ntitle = "B"\n+++\n', 3),
        ('{\n "a": 1,\n "b": \n}\n', 4),
        ("---\ntitle: A\n", 1),
        ("---\ntitle: A\ndate: 2021-02-30\n---\n", 3),
        ("+++\ntitle = 'A'\ndate = 2021-02-30\n+++\n", 3),
    ],
)
def test_errors_carry_the_file_line(text, line):
    """Malformed front matter names the line of the file where the problem is."""
    with pytest.raises(FrontMatterError) as error:
        split(text)
    assert error.value.line == line


def test_alias_bombs_are_refused():
    """A few lines of YAML aliases that expand to millions of values fail fast."""
    lines = ["---", 'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for n in range(1, 9):
        previous = chr(ord("a") + n - 1)
        name = chr(ord("a") + n)
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 10)}]")
    with pytest.raises(FrontMatterError, match="expands to more than"):
        split("\n".join([*lines, "---", "body"]))


def test_line_of_finds_keys_case_insensitively():
    """Mapping errors point at the key's own line."""
    parsed = split("---\ntitle: A\nPubDate: x\n---\n")
    assert parsed.line_of("pubdate") == 3
    assert parsed.line_of("missing") is None


def test_dump_yaml_reads_back():
    """Generated front matter (export) is YAML this module reads back to the same values."""
    data = {"title": "Ünï: code", "date": "2020-01-01T00:00:00+00:00", "tags": ["a"], "n": {"x": 1}}
    assert split(frontmatter.dump_yaml(data) + "body").data == data


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-04-11", datetime(2020, 4, 11, tzinfo=UTC)),
        ("2020-04-11T10:20:30Z", datetime(2020, 4, 11, 10, 20, 30, tzinfo=UTC)),
        ("2020-04-11T10:20:30.123456+02:00", datetime(2020, 4, 11, 8, 20, 30, 123456, tzinfo=UTC)),
        ("2020-04-11 10:20:30 -0500", datetime(2020, 4, 11, 15, 20, 30, tzinfo=UTC)),
        ("2014-10-1 9:00:00", datetime(2014, 10, 1, 9, tzinfo=UTC)),
        ("03 May 2024", datetime(2024, 5, 3, tzinfo=UTC)),
        ("Fri, 03 May 2024 10:00:00 +0100", datetime(2024, 5, 3, 9, tzinfo=UTC)),
        (datetime(2020, 1, 1, 12, 0), datetime(2020, 1, 1, 12, tzinfo=UTC)),
    ],
)
def test_date_forms(value, expected):
    """Every date form the issue names parses to the same instant; naive means TIME_ZONE."""
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value", ["soon", "3", "2020-13-45", True, 42, "0000-01-01", "9999-12-31T23:00:00-05:00"]
)
def test_dates_that_are_not_dates(value):
    """Garbage is refused rather than guessed."""
    with pytest.raises(ValueError):
        parse_date(value)


# A megabyte of blanks inside a line: linear parsing reads it in milliseconds, a regex that
# backtracks quadratically would take hours.
LONG = " \t" * 500_000


@pytest.fixture
def roomy_front_matter(monkeypatch):
    """Front matter allowed to be a few megabytes, for the long-line tests."""
    monkeypatch.setattr(frontmatter, "MAX_FRONT_MATTER_BYTES", 4 * 1024 * 1024)


@pytest.mark.usefixtures("roomy_front_matter")
def test_a_long_pelican_header_line_is_read_in_linear_time():
    """A header value with a megabyte of blanks inside is read whole."""
    parsed = split(f"Title: a{LONG}x  \r\nTags: t\n\nbody\n")
    assert parsed.format == frontmatter.PELICAN
    assert parsed.data == {"Title": f"a{LONG}x", "Tags": "t"}


@pytest.mark.usefixtures("roomy_front_matter")
def test_a_long_continuation_line_is_read_in_linear_time():
    """An indented continuation with a megabyte of blanks inside is read whole."""
    parsed = split(f"Title: A\nTags: a\n    b{LONG}c \n\nbody\n")
    assert parsed.data["Tags"] == ["a", f"b{LONG}c"]


def test_a_long_heading_line_is_read_in_linear_time():
    """A title taken from a megabyte-long `# heading` is refused as too long, not hung on."""
    parsed = split(f"# a{LONG}x ##\n\nbody\n")
    with pytest.raises(FrontMatterError, match="title is longer than 300 characters"):
        frontmatter.map_front_matter(parsed, "post.md")


def test_aliases_repeating_a_long_string_are_refused():
    """A few values that alias one long string too often fail before anything copies them."""
    lines = ["---", f"a: &a {'x' * 100_000}", f"b: [{', '.join(['*a'] * 20)}]", "---", "body"]
    with pytest.raises(FrontMatterError, match="expands to more than 1000000 characters") as error:
        split("\n".join(lines))
    assert error.value.line == 2


def test_front_matter_under_the_expansion_limits_is_read():
    """Aliases that stay within the limits are expanded as YAML says."""
    parsed = split("---\na: &a [x, y]\nb: *a\n---\nbody\n")
    assert parsed.data == {"a": ["x", "y"], "b": ["x", "y"]}


@pytest.mark.parametrize(
    "text",
    [
        "---\nbig: {}\n---\nbody\n",
        '+++\nbig = "{}"\n+++\nbody\n',
        '{{"big": "{}"}}\nbody\n',
        "Title: {}\n\nbody\n",
    ],
)
def test_front_matter_over_the_size_limit_is_refused(text):
    """Front matter of more than MAX_FRONT_MATTER_BYTES fails on line 1, whatever its dialect."""
    with pytest.raises(FrontMatterError, match=r"^front matter is \d+ bytes, more than") as error:
        split(text.format("x" * frontmatter.MAX_FRONT_MATTER_BYTES))
    assert error.value.line == 1


def mapped(text: str) -> frontmatter.PostData:
    return frontmatter.map_front_matter(split(text), "post.md")


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        (
            "---\ntitle: A\ntags: [{}]\n---\n".format(", ".join(f"t{n}" for n in range(101))),
            "101 tags, more than the 100 allowed",
            3,
        ),
        ("---\ntitle: A\ntags: [ok, {}]\n---\n".format("t" * 101), "tag longer than 100", 3),
        ("---\ntitle: A\nsummary: {}\n---\n".format("d" * 2001), "description is longer", 3),
        (
            "---\ntitle: A\nimage:\n  src: /c.png\n  alt: {}\n---\n".format("a" * 301),
            "cover image alt text is longer than 300 characters",
            3,
        ),
        ("---\ntitle: A\ncover: /{}.png\n---\n".format("c" * 1000), "cover image URL is", 3),
        ("---\ndate: 2020-01-01\ntitle: {}\n---\n".format("t" * 301), "title is longer", 3),
    ],
)
def test_values_over_their_limits_fail_on_their_line(text, message, line):
    """Too many tags, too long a description, alt text or URL: an error naming the line,
    never a value cut short."""
    with pytest.raises(FrontMatterError, match=message) as error:
        mapped(text)
    assert error.value.line == line


def test_values_at_their_limits_are_kept_whole():
    """At the limits everything is kept exactly."""
    tags = [f"t{n}" for n in range(100)]
    data = mapped(
        "---\ntitle: A\ntags: [{}]\ndescription: {}\nimage: {{src: /c.png, alt: {}}}\n---\n".format(
            ", ".join(tags), "d" * 2000, "a" * 300
        )
    )
    assert (data.tags, data.description, data.cover_image_alt) == (tags, "d" * 2000, "a" * 300)


# --- mapping onto Post columns: file text in, fields out, no database ----------------------

DEFAULTS = {
    "description": "",
    "cover_image": "",
    "cover_image_alt": "",
    "revised_date": None,
    "draft": False,
    "tags": [],
    "extra": {},
    "redirects": [],
}
MAPPINGS = {
    "yaml_jekyll": (
        "_posts/2020-04-11-hello.md",
        '---\nlayout: post\ntitle: "Hi: there"\ncategories: [news]\ntags: a, B\n---\nx\n',
        {
            "title": "Hi: there",
            "slug": "hello",
            "publish_date": datetime(2020, 4, 11, tzinfo=UTC),
            "tags": ["a", "B", "news"],
            "extra": {"layout": "post"},
        },
    ),
    "yaml_astro": (
        "src/content/blog/post.md",
        "---\ntitle: T\npubDatetime: 2024-05-03T10:00:00Z\nmodDatetime: 2024-05-04\n"
        "description: D\nheroImage: /h.png\ndraft: true\ntags: [x]\n---\n",
        {
            "title": "T",
            "slug": "post",
            "publish_date": datetime(2024, 5, 3, 10, tzinfo=UTC),
            "revised_date": datetime(2024, 5, 4, tzinfo=UTC),
            "description": "D",
            "cover_image": "/h.png",
            "draft": True,
            "tags": ["x"],
        },
    ),
    "toml_hugo": (
        "content/posts/trip/index.md",
        '+++\ntitle = "Trip"\ndate = 2021-07-26T10:30:00+02:00\nlastmod = 2021-08-01\n'
        'draft = false\nsummary = "S"\naliases = ["/old/"]\n[params]\nx = 1\n+++\n',
        {
            "title": "Trip",
            "slug": "trip",
            "publish_date": datetime(2021, 7, 26, 8, 30, tzinfo=UTC),
            "revised_date": datetime(2021, 8, 1, tzinfo=UTC),
            "description": "S",
            "extra": {"aliases": ["/old/"], "params": {"x": 1}},
            "redirects": ["/old/"],
        },
    ),
    "toml_zola": (
        "content/zola.md",
        '+++\ntitle = "Z"\ndate = 2022-01-02\n[taxonomies]\ntags = ["rust", "web"]\n+++\n',
        {
            "title": "Z",
            "slug": "zola",
            "publish_date": datetime(2022, 1, 2, tzinfo=UTC),
            "tags": ["rust", "web"],
            "extra": {"taxonomies": {"tags": ["rust", "web"]}},
        },
    ),
    "json_hugo": (
        "posts/j.md",
        '{"title": "J", "date": "2020-01-02", "slug": "jay", "image": {"src": "/c.png", '
        '"alt": "A cover"}, "status": "draft"}\n\nbody\n',
        {
            "title": "J",
            "slug": "jay",
            "publish_date": datetime(2020, 1, 2, tzinfo=UTC),
            "cover_image": "/c.png",
            "cover_image_alt": "A cover",
            "draft": True,
        },
    ),
    "pelican": (
        "content/p.md",
        "Title: P\nDate: 2010-12-03 10:20\nModified: 2010-12-05 19:30\nTags: a, b\n"
        "Slug: my-p\nSummary: Short\nStatus: draft\n\nbody\n",
        {
            "title": "P",
            "slug": "my-p",
            "publish_date": datetime(2010, 12, 3, 10, 20, tzinfo=UTC),
            "revised_date": datetime(2010, 12, 5, 19, 30, tzinfo=UTC),
            "description": "Short",
            "draft": True,
            "tags": ["a", "b"],
        },
    ),
    "plain_markdown": (
        "notes/2019-3-5_first-note.md",
        "# First note ##\n\nBody\n",
        {
            "title": "First note",
            "slug": "first-note",
            "publish_date": datetime(2019, 3, 5, tzinfo=UTC),
        },
    ),
    "drafts_folder_no_date": (
        "_drafts/idea.md",
        "---\ntitle: Idea\npermalink: /2021/07/26/the-idea/\n---\n",
        {
            "title": "Idea",
            "slug": "the-idea",
            "publish_date": datetime(2021, 7, 26, tzinfo=UTC),
            "draft": True,
            "extra": {"permalink": "/2021/07/26/the-idea/"},
        },
    ),
    "published_false_and_no_date": (
        "000_536dfcec70e32c73.txt",
        "---\ntitle: Hidden\npublished: false\n---\n",
        {"title": "Hidden", "slug": "hidden", "publish_date": None, "draft": True},
    ),
}


@pytest.mark.parametrize("name", MAPPINGS)
def test_front_matter_maps_onto_post_fields(name):
    """Each dialect's keys land in the right Post fields, with dates, drafts, tags and covers
    read the way that generator means them."""
    source_path, text, expected = MAPPINGS[name]
    data = frontmatter.map_front_matter(split(text), source_path)
    got = {field: getattr(data, field) for field in {**DEFAULTS, **expected}}
    assert got == {**DEFAULTS, **expected}


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('---\ntitle: "A\\x01B"\n---\nbody\n', 2),
        ('---\ntitle: A\ndescription: "x\\x02Y"\n---\nbody\n', 3),
        ('---\ntitle: A\ntags: [ok, "b\\x03ad"]\n---\nbody\n', 3),
        ('---\ntitle: A\nimage: {src: /a.png, alt: "al\\x08t"}\n---\nbody\n', 3),
    ],
)
def test_control_characters_in_text_fields_are_refused_with_their_line(text, line):
    """A title, description, tag or alt text with a control character fails its file, naming
    the line: feeds cannot carry such characters."""
    with pytest.raises(FrontMatterError, match="control character") as error:
        frontmatter.map_front_matter(split(text), "post.md")
    assert error.value.line == line
