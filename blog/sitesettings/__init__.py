"""The site's settings, edited in the admin: the row (models), how pages read it (reading),
and the one way to change it (writes)."""
