"""Markdown to sanitized HTML."""
