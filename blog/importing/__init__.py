"""Moving posts in and out: files, front matter, field mapping, writing, export."""
