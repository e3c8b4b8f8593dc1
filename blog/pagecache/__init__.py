"""Whole pages cached for anonymous readers, never stale: middleware, version, invalidation."""

from blog.pagecache.invalidation import batched_invalidation, invalidate_pages

__all__ = ["batched_invalidation", "invalidate_pages"]
