from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0013_autosave_new_posts"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="unconverted",
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
    ]
