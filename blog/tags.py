"""The blog's tags: django-taggit's Tag under the blog's own app, for the admin.

A proxy model adds no table: posts keep their tags in taggit's tables, and ``taggit.models.Tag``
still reads and writes them. Registered in the admin instead of taggit's model, the tags are
listed under the blog, next to the posts, at /admin/blog/tag/.
"""

from __future__ import annotations

from taggit.models import Tag as TaggitTag


class Tag(TaggitTag):
    class Meta:
        proxy = True
        verbose_name = "tag"
        verbose_name_plural = "tags"
