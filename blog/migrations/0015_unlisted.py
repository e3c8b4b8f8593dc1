from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0014_post_unconverted"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="unlisted",
            field=models.BooleanField(
                default=False,
                help_text="Readers with the link can open it; no list, tag page, feed, sitemap or search shows it.",
            ),
        ),
    ]
