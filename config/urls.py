from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from blog.health import health

admin.site.site_header = f"{settings.SITE_TITLE} admin"
admin.site.site_title = f"{settings.SITE_TITLE} admin"
admin.site.index_title = "Posts, tags and people"

urlpatterns = [
    # For load balancers and monitors: no login, never cached (blog/health.py).
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("", include("blog.urls")),
]
