"""Structured logs: one JSON object per line, for a log collector to index.

Enabled with ``LOG_FORMAT=json`` (config/settings.py for Django's loggers,
config/gunicorn.conf.py for gunicorn's access and error logs).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is kept.
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "taskName"}
)

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
    "f": "referer",
    "a": "user_agent",
}


class JsonFormatter(logging.Formatter):
    """Formats a record as a single-line JSON object with time, level, logger and message."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            entry["message"] = "request"
            entry.update(_access_fields(record.args))
        else:
            entry["message"] = record.getMessage()
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and key not in entry:
                entry[key] = _jsonable(value)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _access_fields(atoms: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for atom, name in _ACCESS_FIELDS.items():
        value = atoms.get(atom)
        if value in (None, "-", ""):
            continue
        if name in {"status", "bytes", "duration_us"}:
            try:
                value = int(value)
            except (TypeError, ValueError):
                pass
        fields[name] = value
    return fields


def _jsonable(value: Any) -> Any:
    """Values from ``extra=`` as JSON can hold them; Django puts the request object on some
    records (django.request), which is reduced to its method and path."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    method, path = getattr(value, "method", None), getattr(value, "path", None)
    if method and path:
        return f"{method} {path}"
    return str(value)
