"""What static-site generators leave in a post body, converted when the body is rendered.

The stored body keeps every construct exactly as written; ``extension.GeneratorSyntax`` (a
Python-Markdown preprocessor) rewrites it in the text Markdown is about to read, and records
what it converted and what it could not (``report.Report``).
"""
