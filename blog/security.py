"""Response headers: the site's defences that are not about rendering or logging in.

``ContentSecurityPolicyMiddleware``: django-csp's middleware (Django 5.2 has no built-in CSP)
with a second, looser policy for the admin, which runs its own JavaScript; the reader pages
ship none, so theirs allows no script at all. JSON-LD is a data block
(``type="application/ld+json"``), which browsers never execute and CSP does not govern.

Admin login throttling is django-axes, configured in config/settings.py.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """``settings.CONTENT_SECURITY_POLICY`` everywhere, with the admin's allowances under
    ``/admin/`` (``settings.CONTENT_SECURITY_POLICY_ADMIN`` replaces those directives)."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(reverse("admin:index")):
            parts.replace = {**settings.CONTENT_SECURITY_POLICY_ADMIN, **(parts.replace or {})}
        return parts
