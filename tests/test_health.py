"""The /health/ endpoint: 200 when the database and cache answer, 503 naming what failed."""

from unittest import mock

from django.core.cache import caches
from django.db import DatabaseError, OperationalError
from django.test import TestCase, override_settings

from blog import health

DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # Port 1 on loopback: nothing listens there, so connecting is refused at once.
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


class HealthTests(TestCase):
    def test_healthy_site_answers_200_with_json(self):
        """With database and cache up, /health/ is 200 and says so per check."""
        response = self.client.get("/health/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json")
        body = response.json()
        self.assertEqual(body["status"], "ok")
        self.assertEqual(set(body["checks"]), {"database", "cache"})
        self.assertTrue(all(check["ok"] for check in body["checks"].values()))
        self.assertNotIn("failed", body)

    def test_needs_no_login_and_is_never_cached(self):
        """Anonymous callers get the answer, and no cache or CDN may keep it."""
        response = self.client.get("/health/")
        cache_control = response["Cache-Control"]
        for directive in ("no-cache", "no-store", "must-revalidate", "max-age=0"):
            self.assertIn(directive, cache_control)
        self.assertIn("Expires", response)

    def test_each_request_checks_again(self):
        """A failure shows on the next request: nothing remembers an earlier answer."""
        self.assertEqual(self.client.get("/health/").status_code, 200)
        with mock.patch.dict(
            health.CHECKS, {"database": mock.Mock(side_effect=DatabaseError("down"))}
        ):
            self.assertEqual(self.client.get("/health/").status_code, 503)
        self.assertEqual(self.client.get("/health/").status_code, 200)

    def test_is_cheap(self):
        """One query: the endpoint is polled every few seconds by every load balancer."""
        with self.assertNumQueries(1):
            self.client.get("/health/")

    def test_database_failure_is_503_naming_the_database(self):
        """A database that does not answer makes the endpoint 503 with failed=["database"]."""
        with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.cursor") as cursor:
            cursor.side_effect = DatabaseError("connection refused")
            response = self.client.get("/health/")
        self.assertEqual(response.status_code, 503)
        body = response.json()
        self.assertEqual(body["status"], "error")
        self.assertEqual(body["failed"], ["database"])
        self.assertEqual(body["checks"]["database"]["error"], "DatabaseError")
        self.assertTrue(body["checks"]["cache"]["ok"])
        self.assertIn("no-store", response["Cache-Control"])

    @override_settings(CACHES=DEAD_REDIS)
    def test_unreachable_redis_is_503_naming_the_cache(self):
        """Redis down: 503 with failed=["cache"], the database still reported fine."""
        with self.assertLogs("blog.health", "WARNING"):
            response = self.client.get("/health/")
        self.assertEqual(response.status_code, 503)
        body = response.json()
        self.assertEqual(body["failed"], ["cache"])
        self.assertTrue(body["checks"]["database"]["ok"])

    @override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    )
    def test_a_cache_that_keeps_nothing_is_reported(self):
        """A cache that swallows its errors and stores nothing still fails the check."""
        response = self.client.get("/health/")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json()["failed"], ["cache"])

    def test_concurrent_probes_do_not_fail_each_other(self):
        """A probe that runs between another's write and read-back leaves it healthy."""
        cache = caches["default"]
        real_set, nested = cache.set, []

        def set_then_probe(*args, **kwargs):
            real_set(*args, **kwargs)
            if not nested:
                nested.append(None)
                nested[0] = self.client.get("/health/").status_code

        with mock.patch.object(cache, "set", side_effect=set_then_probe):
            response = self.client.get("/health/")
        self.assertEqual(nested, [200])
        self.assertEqual(response.status_code, 200)

    def test_only_get_and_head(self):
        """Writes are refused: the endpoint has no side effects to trigger."""
        self.assertEqual(self.client.head("/health/").status_code, 200)
        self.assertEqual(self.client.post("/health/").status_code, 405)


class DatabaseOutagePageTests(TestCase):
    """handler500 turns a lost database connection into 503 + Retry-After."""

    def get_home_with(self, error: Exception):
        client = self.client_class(raise_request_exception=False)
        with mock.patch("blog.views.PostListView.get", side_effect=error):
            return client.get("/")

    def test_lost_database_connection_is_503_with_retry_after(self):
        """An OperationalError (PostgreSQL restarting) is temporary: 503, retry in 5 s."""
        with self.assertLogs("django.request", "ERROR"):
            response = self.get_home_with(OperationalError("server closed the connection"))
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "5")
        self.assertIn("no-store", response["Cache-Control"])
        self.assertContains(response, "Something went wrong", status_code=503)

    def test_other_errors_stay_500(self):
        """A bug is still a 500, with the site's error page."""
        with self.assertLogs("django.request", "ERROR"):
            response = self.get_home_with(ValueError("a bug"))
        self.assertEqual(response.status_code, 500)
        self.assertNotIn("Retry-After", response)
