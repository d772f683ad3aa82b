"""The service's log lines: uvicorn's text, or one JSON object per line for log collectors.

The JSON formatter is a few lines of our own rather than python-json-logger
because uvicorn's access lines carry their fields as positional arguments,
which have to be named here anyway. Nothing logged holds record contents:
access lines have the method, the path and query (type, language, format),
the status and the duration.
"""

from __future__ import annotations

import functools
import http
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


class AccessFormatter(logging.Formatter):
    """uvicorn's access line without colours ('INFO:     127.0.0.1:5000 - "POST /documents/x
    HTTP/1.1" 200 OK'), made without copying the record as uvicorn's own formatter does to colour
    it: that copy was a tenth of the service's own work per request."""

    def format(self, record: logging.LogRecord) -> str:
        args = record.args
        if not (isinstance(args, tuple) and len(args) == 5):
            return f"{record.levelname}:     {record.getMessage()}"
        client, method, path, version, status = args
        return f'{record.levelname}:     {client} - "{method} {path} HTTP/{version}" {status} {_phrase(status)}'


@functools.cache
def _phrase(status: Any) -> str:
    try:
        return http.HTTPStatus(int(status)).phrase  # as uvicorn says it
    except (TypeError, ValueError):
        return ""


def config(fmt: str) -> dict[str, Any]:
    """uvicorn's `log_config`: one JSON object per line for `fmt` "json", else uvicorn's own text.

    Text access lines read as uvicorn writes them without colours, through AccessFormatter."""
    if fmt == "json":
        formatters = {"default": {"()": "docgen.logs.JsonFormatter"}, "access": {"()": "docgen.logs.JsonFormatter"}}
        streams = {"default": "ext://sys.stderr", "access": "ext://sys.stderr"}
    else:
        formatters = {
            "default": {"()": "uvicorn.logging.DefaultFormatter", "fmt": "%(levelprefix)s %(message)s"},
            "access": {"()": "docgen.logs.AccessFormatter"},
        }
        streams = {"default": "ext://sys.stderr", "access": "ext://sys.stdout"}
    handlers = {name: {"class": "logging.StreamHandler", "formatter": name, "stream": stream}
                for name, stream in streams.items()}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": formatters,
        "handlers": handlers,
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            "docgen": {"handlers": ["default"], "level": "INFO", "propagate": False},
        },
    }


def quicker() -> None:
    """No caller's file and line on log records: the service's lines never print them, and finding
    them is the dearest part of each access line (the logging HOWTO's own advice)."""
    logging._srcfile = None
