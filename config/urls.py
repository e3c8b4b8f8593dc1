from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = f"{settings.SITE_TITLE} admin"
admin.site.site_title = f"{settings.SITE_TITLE} admin"
admin.site.index_title = "Posts, tags and people"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("blog.urls")),
]
