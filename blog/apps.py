from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BlogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "blog"

    def ready(self) -> None:
        # Connects the receivers that keep search vectors in step with tag changes, and those
        # that invalidate cached pages when content changes.
        from blog import search  # noqa: F401
        from blog.pagecache import invalidation  # noqa: F401

        # Image and author changes queue their pages for the static copy (blog.staticsite).
        from blog.staticsite import queue

        queue.connect()


class BlogAdminConfig(admin_apps.AdminConfig):
    """Django's admin app, with the blog's admin site (blog/adminsite.py) as ``admin.site``."""

    # Imported by module so that Django still picks BlogConfig as this module's app config.
    default = False
    default_site = "blog.adminsite.BlogAdminSite"
