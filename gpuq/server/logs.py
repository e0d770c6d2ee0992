"""Logging of the server and its workers: plain lines for people, or one JSON object per line for machines.

``gpuq serve --log-format json`` (and ``gpuq worker --log-format json``)
writes each record as one JSON object: ``time`` (UTC, ISO 8601), ``level``,
``logger``, ``message``, ``process``, the record's structured fields
(``job_id``, ``user``, ``backend``, ``worker``, ``status``, ``seconds`` where
the record has them, passed as ``extra=``) and ``exception`` with the
traceback when there is one. Log collectors then filter on fields instead of
parsing sentences.
"""

from __future__ import annotations

import datetime
import json
import logging

LOG_FORMATS = ("text", "json")
"""The values of ``--log-format``."""

FIELDS = ("job_id", "user", "backend", "worker", "status", "seconds")
"""Record attributes copied into a JSON line when a log call gives them with ``extra=``."""

_TEXT = "%(asctime)s %(name)s %(levelname)s %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON object (its message formatted with its arguments)."""
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        for name in FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def setup_logging(level: str, log_format: str) -> None:
    """Send every logger's records to stderr at ``level``, as text lines or JSON objects."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(_TEXT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Alembic narrates every check of the schema; the store logs the upgrades that happen.
    logging.getLogger("alembic").setLevel(logging.WARNING)
