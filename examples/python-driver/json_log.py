"""Structured logs: one JSON object per line on standard error, never on standard output.

Each line has `time`, `level` (lower case: debug, info, warning, error, critical) and `msg`, which
the host reads to keep the level (host/plugin/plugin-output.ts); the other fields travel with it.
Built on the standard library's logging, so a driver's own `logging` calls come out the same way.
"""
import datetime
import json
import logging
import sys

# The attributes every LogRecord has; anything else on a record came from `extra` and is a field.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()) | {"message", "asctime", "taskName"}


class JsonLineFormatter(logging.Formatter):
    """Formats a record as one JSON line; `extra` fields become top-level keys."""

    def __init__(self, base_fields=None):
        super().__init__()
        self._base = dict(base_fields or {})

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "msg": record.getMessage(),
            **self._base,
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["err"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def json_logger(name: str, level: int = logging.INFO) -> logging.Logger:
    """A logger named `name` writing JSON lines to standard error, tagged with the plugin name."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLineFormatter({"plugin": name}))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    return logging.getLogger(name)


class FieldsAdapter(logging.LoggerAdapter):
    """A logger that adds fixed fields (operation, ids) to every line; call-site `extra` adds more."""

    def process(self, msg, kwargs):
        kwargs["extra"] = {**self.extra, **kwargs.get("extra", {})}
        return msg, kwargs
