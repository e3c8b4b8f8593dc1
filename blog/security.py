"""Response headers and login throttling: the site's defences that are not about rendering.

* ``ContentSecurityPolicyMiddleware``: django-csp's middleware (Django 5.2 has no built-in CSP)
  with a second, looser policy for the admin, which runs its own JavaScript; the reader
  pages ship none, so theirs allows no script at all. JSON-LD is a data block
  (``type="application/ld+json"``), which browsers never execute and CSP does not govern.
* ``ThrottledAdminAuthenticationForm``: the admin login form, refusing to even check a
  password after too many failures from one address for one username (and, more loosely,
  from one address for any username), counted in Django's cache.
"""

from __future__ import annotations

import hashlib
from typing import Any

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
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


LOCKED_OUT_MESSAGE = (
    "Too many failed login attempts. For your account's safety, logging in is paused for "
    "%(minutes)d minutes. If you have forgotten your password, ask another administrator "
    "to reset it."
)


def _key(*parts: str) -> str:
    # Hashed: usernames are user input and cache keys have a restricted alphabet and length.
    digest = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"login-failures:{digest}"


def client_address(request: HttpRequest | None) -> str:
    """The address failures are counted against (REMOTE_ADDR: behind a proxy, make the proxy
    set it, e.g. gunicorn's ``--forwarded-allow-ips``; a client-sent header would be forged)."""
    return (request.META.get("REMOTE_ADDR") if request else None) or "unknown"


class LoginThrottle:
    """Failure counters for one address and username, expiring after the lockout period."""

    def __init__(self, address: str, username: str) -> None:
        self.pair = _key("pair", address, username.casefold())
        self.address = _key("address", address)

    @property
    def locked(self) -> bool:
        counts = cache.get_many([self.pair, self.address])
        return (
            counts.get(self.pair, 0) >= settings.LOGIN_FAILURE_LIMIT
            or counts.get(self.address, 0) >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
        )

    def record_failure(self) -> None:
        for key in (self.pair, self.address):
            # add() then incr(): atomic on Redis and memcached, never resets a running count.
            cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
            try:
                cache.incr(key)
            except ValueError:  # expired between the two calls
                cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)

    def reset(self) -> None:
        cache.delete(self.pair)


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form, with a lockout after repeated failures."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        throttle = LoginThrottle(client_address(self.request), username)
        if throttle.locked:
            raise ValidationError(
                LOCKED_OUT_MESSAGE,
                code="throttled",
                params={"minutes": max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            throttle.record_failure()
            raise
        throttle.reset()
        return cleaned
