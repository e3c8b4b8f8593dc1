from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from blog.views import health

# 503 + Retry-After instead of 500 while the database is unreachable (blog/views.py).
handler500 = "blog.views.server_error"

urlpatterns = [
    # For load balancers and monitors: no login, never cached (blog/views.py).
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("", include("blog.urls")),
]

# The quick start (runserver, DEBUG on) serves uploaded images itself; in production nginx or
# the object store does, and static() adds nothing.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
