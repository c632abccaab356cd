"""The Bot API reference (botapi.json, MIT, see BOTAPI-LICENSE) as a validator of calls.

Parameters arrive as JSON values or as form strings (Telegram accepts both); they are coerced
to the declared types, and anything the reference does not declare is refused, because a
misspelt parameter is silently ignored by Telegram and that hides bugs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from sandbox.telegram.errors import ApiError, bad_request

SPEC = resources.files("sandbox.telegram") / "botapi.json"  # package data, beside this module
_ARRAY = "Array of "


@dataclass(frozen=True)
class Upload:
    """A file sent in the multipart body (directly or through attach://name)."""

    data: bytes
    file_name: str = ""
    mime_type: str = ""


@cache
def spec() -> dict[str, Any]:
    with SPEC.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def method_names() -> frozenset[str]:
    return frozenset(spec()["methods"])


def _fields(kind: str, name: str) -> list[dict[str, Any]]:
    entry = spec()[kind].get(name) or {}
    fields: list[dict[str, Any]] = entry.get("fields", [])
    return fields


def _check(value: Any, type_expr: str, path: str) -> str | None:
    """None when `value` fits `type_expr`, else why not (one line, naming the field path)."""
    if type_expr.startswith(_ARRAY):
        if not isinstance(value, list):
            return f"field {path!r} must be an Array"
        inner = type_expr[len(_ARRAY) :]
        for index, item in enumerate(value):
            problem = _check(item, inner, f"{path}[{index}]")
            if problem:
                return problem
        return None
    if type_expr == "Integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else f"field {path!r} must be an Integer"
    if type_expr == "Float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else f"field {path!r} must be a Float"
    if type_expr == "Boolean":
        return None if isinstance(value, bool) else f"field {path!r} must be a Boolean"
    if type_expr == "String":
        return None if isinstance(value, str) else f"field {path!r} must be a String"
    if type_expr == "InputFile":
        return None if isinstance(value, Upload | str) else f"field {path!r} must be a file"
    return _check_object(value, type_expr, path)


def _check_object(value: Any, type_name: str, path: str) -> str | None:
    entry = spec()["types"].get(type_name)
    if entry is None:
        return None  # a type the reference does not describe: accept what we cannot judge
    if not isinstance(value, dict):
        return f"field {path!r} must be an Object ({type_name})"
    subtypes: list[str] = entry.get("subtypes", [])
    if subtypes:
        problems = [_check_object(value, sub, path) for sub in subtypes]
        return None if any(p is None for p in problems) else problems[0]
    fields = {f["name"]: f for f in entry.get("fields", [])}
    for name in value:
        if name not in fields:
            return f"unknown field {path}.{name} in {type_name}"
    for name, field in fields.items():
        if name not in value:
            if field["required"]:
                return f"field {path}.{name} is required in {type_name}"
            continue
        if not any(_check(value[name], t, f"{path}.{name}") is None for t in field["types"]):
            return _check(value[name], field["types"][0], f"{path}.{name}")
    return None


def _coerce(raw: Any, types: list[str]) -> Any:
    """Form bodies carry strings; turn them into the JSON value the reference expects."""
    if not isinstance(raw, str) or "String" in types:
        return raw
    if "Integer" in types or "Float" in types:
        try:
            return int(raw)
        except ValueError:
            try:
                return float(raw)
            except ValueError:
                return raw
    if types == ["Boolean"]:
        lowered = raw.lower()
        return {"true": True, "1": True, "false": False, "0": False}.get(lowered, raw)
    if "InputFile" in types:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def validate_call(
    method: str, params: dict[str, Any], files: dict[str, Upload]
) -> dict[str, Any]:
    """The call's parameters coerced and checked, or an ApiError as Telegram would answer."""
    entry = spec()["methods"].get(method)
    if entry is None:
        raise ApiError(404, "Not Found")
    fields = {f["name"]: f for f in entry.get("fields", [])}
    result: dict[str, Any] = {}
    for name, raw in params.items():
        if name not in fields:
            raise bad_request(f"unknown parameter {name!r} for method {method}")
        value = _coerce(raw, fields[name]["types"])
        if isinstance(value, str) and value.startswith("attach://") and (
            "InputFile" in fields[name]["types"]
        ):
            upload = files.get(value[len("attach://") :])
            if upload is None:
                raise bad_request(f"file for parameter {name!r} is missing in the request")
            value = upload
        result[name] = value
    for name, upload in files.items():
        if name in fields and name not in result:
            result[name] = upload
    for name, field in fields.items():
        if name not in result:
            if field["required"]:
                raise bad_request(f"parameter {name!r} is required")
            continue
        problems = [_check(result[name], t, name) for t in field["types"]]
        if all(problems):
            raise bad_request(f"can't parse parameters: {problems[0]}")
    return result
