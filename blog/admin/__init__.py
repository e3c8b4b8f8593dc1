"""The admin: one module per model admin. Importing this package registers them all."""

from django.contrib import admin

from blog.admin import posts, redirects, tags
from blog.security import ThrottledAdminAuthenticationForm

__all__ = ["posts", "redirects", "tags"]

# Password guessing against the admin login is throttled (blog.security).
admin.site.login_form = ThrottledAdminAuthenticationForm
