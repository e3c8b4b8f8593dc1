"""Whole pages cached for anonymous readers, never stale: middleware, version, invalidation."""
