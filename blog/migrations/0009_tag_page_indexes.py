"""Indexes for tag pages: a tag's public posts found from its assignments, not by hashing
every published post.

A tag page, its count and its narrowing tags all need "the public posts carrying tag T".
taggit's own indexes start from the content type or the object, and its plain ``tag_id``
index leads to the table rows, so PostgreSQL scanned the whole publish-date index (10,000
entries) and hashed it against the tag's ~500 assignments. With (tag, content type, object)
on taggit's table and (id, publish_date) on the public posts, both sides are read from
indexes alone, one probe per assignment. EXPLAIN ANALYZE at 10,000 posts, 60 tags: a tag's
count 3.2 -> 0.7 ms, its narrowing tags 8.0 -> 3.6 ms.

taggit's table belongs to taggit, so its index is made with SQL that both SQLite and
PostgreSQL accept, and dropped again when this migration is reversed.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0008_lz4_toast_compression"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="post",
            index=models.Index(
                condition=models.Q(draft=False),
                fields=["id", "publish_date"],
                name="post_public_by_id",
            ),
        ),
        migrations.RunSQL(
            sql="CREATE INDEX IF NOT EXISTS blog_taggeditem_by_tag"
            " ON taggit_taggeditem (tag_id, content_type_id, object_id)",
            reverse_sql="DROP INDEX IF EXISTS blog_taggeditem_by_tag",
        ),
    ]
