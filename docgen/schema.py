"""JSON Schemas of the records, generated from the models so the two never disagree."""

from __future__ import annotations

import json
from typing import Any

from .doctypes import doctype


def json_schema(type_name: str) -> dict[str, Any]:
    info = doctype(type_name)
    schema = info.model.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:docgen:schema:{info.name}",
        "title": info.titles["nb"] + " / " + info.titles["da"],
        "description": info.summary,
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def schema_text(type_name: str) -> str:
    return json.dumps(json_schema(type_name), indent=2, ensure_ascii=False) + "\n"
