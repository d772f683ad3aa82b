"""The service's log lines: uvicorn's text, or one JSON object per line for log collectors.

The JSON formatter is a few lines of our own rather than python-json-logger
because uvicorn's access lines carry their fields as positional arguments,
which have to be named here anyway. Nothing logged holds record contents:
access lines have the method, the path and query (type, language, format),
the status and the duration.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message; access lines also
    client, method, path, status."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            client, method, path, version, status = args
            line.update(client=client, method=method, path=path, http=version, status=status,
                        message=f"{method} {path} {status}")
        else:
            line["message"] = record.getMessage()
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__  # the type only: a message could hold record text
        return json.dumps(line, ensure_ascii=False, default=str)


def config(fmt: str) -> dict[str, Any] | None:
    """uvicorn's `log_config` for `fmt` ("json"), or None for uvicorn's own text lines."""
    if fmt != "json":
        return None
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "docgen.logs.JsonFormatter"}},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "docgen": {"handlers": ["default"], "level": "INFO", "propagate": False},
        },
    }
