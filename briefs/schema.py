"""JSON Schema of a fact file, for editors: completion and red underlines while typing."""

from __future__ import annotations

import json
from typing import Any

from .model import FactBase

SCHEMA_ID = "https://briefs.invalid/schema/fact-file.json"


def fact_file_schema() -> dict[str, Any]:
    """Any one fact file: an object holding some of the fact base's sections."""
    schema = FactBase.model_json_schema(mode="validation")
    schema.pop("required", None)  # each file holds only some sections
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "briefs fact file"
    schema["description"] = (
        "One YAML file of a relationship's fact base (facts/<relationship>/*.yaml). "
        "Every fact states `text` in our own words and cites `sources`."
    )
    schema["additionalProperties"] = False
    return schema


def schema_text() -> str:
    return json.dumps(fact_file_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
