"""The admin: one module per model admin. Importing this package registers them all."""

from blog.admin import authors, images, pages, posts, redirects, sitesettings, tags

__all__ = ["authors", "images", "pages", "posts", "redirects", "sitesettings", "tags"]
