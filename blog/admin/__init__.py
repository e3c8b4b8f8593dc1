"""The admin: one module per model admin. Importing this package registers them all."""

from blog.admin import images, pages, posts, redirects, sitesettings, tags

__all__ = ["images", "pages", "posts", "redirects", "sitesettings", "tags"]
