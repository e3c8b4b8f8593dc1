"""Structured logs: one JSON object per line, for a log collector to index.

Enabled with ``LOG_FORMAT=json`` (config/settings.py for Django's loggers,
config/gunicorn.conf.py for gunicorn's access and error logs). python-json-logger does the
formatting; this module only fixes the field names and gives gunicorn's access lines fields.
"""

from __future__ import annotations

import logging
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _LibraryJsonFormatter

# gunicorn passes its access-log atoms as the record's args; these are the ones worth a field.
_ACCESS_FIELDS = {
    "m": "method",
    "U": "path",
    "q": "query",
    "H": "protocol",
    "s": "status",
    "B": "bytes",
    "D": "duration_us",
    "h": "remote_addr",
    # Behind a proxy remote_addr is the proxy's; the client is in this header.
    "{x-forwarded-for}i": "forwarded_for",
    "f": "referer",
    "a": "user_agent",
}
_NUMERIC_FIELDS = {"status", "bytes", "duration_us"}


class JsonFormatter(_LibraryJsonFormatter):
    """python-json-logger with this site's field names: time, level, logger, message, then
    anything passed with ``extra=``; gunicorn's access records become named, typed fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "%(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            log_data["message"] = "request"
            log_data.update(_access_fields(record.args))


def _access_fields(atoms: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for atom, name in _ACCESS_FIELDS.items():
        value = atoms.get(atom)
        if value in (None, "-", ""):
            continue
        if name in _NUMERIC_FIELDS:
            try:
                value = int(value)
            except (TypeError, ValueError):
                pass
        fields[name] = value
    return fields
