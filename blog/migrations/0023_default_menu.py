"""The menu the site's header showed before it could be edited: Posts, Tags, Archive."""

from django.db import migrations

DEFAULT_MENU = [
    ("Posts", "blog:post_list"),
    ("Tags", "blog:tag_list"),
    ("Archive", "blog:archive_index"),
]


def add_default_menu(apps, schema_editor):
    MenuItem = apps.get_model("blog", "MenuItem")
    if MenuItem.objects.exists():
        return
    MenuItem.objects.bulk_create(
        MenuItem(label=label, section=section, position=10 * (n + 1))
        for n, (label, section) in enumerate(DEFAULT_MENU)
    )


def remove_default_menu(apps, schema_editor):
    MenuItem = apps.get_model("blog", "MenuItem")
    for label, section in DEFAULT_MENU:
        MenuItem.objects.filter(label=label, section=section).delete()


class Migration(migrations.Migration):
    dependencies = [("blog", "0022_pages_and_menu")]

    operations = [migrations.RunPython(add_default_menu, remove_default_menu)]
