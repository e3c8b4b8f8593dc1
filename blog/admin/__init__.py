"""The admin: one module per model admin. Importing this package registers them all."""

from blog.admin import posts, redirects, tags

__all__ = ["posts", "redirects", "tags"]
