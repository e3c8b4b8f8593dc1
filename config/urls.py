from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from blog.health import health

admin.site.site_header = f"{settings.SITE_TITLE} admin"
admin.site.site_title = f"{settings.SITE_TITLE} admin"
admin.site.index_title = "Posts, tags and people"

# 503 + Retry-After instead of 500 while the database is unreachable (blog/health.py).
handler500 = "blog.health.server_error"

urlpatterns = [
    # For load balancers and monitors: no login, never cached (blog/health.py).
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("", include("blog.urls")),
]
