"""The grader's schema in Python: grader/schema.json read once, its roles and statuses, and validation (jsonschema).

ROLE["test"] == "test": naming a role or status the schema does not define raises KeyError, so a renamed
one cannot go by unnoticed. validate(kind, value) raises ValueError naming what is wrong.
"""
import json
import os

import jsonschema  # nbformat depends on it: wherever nbclient is, it is

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema.json"), encoding="utf-8") as _f:
    SCHEMA = json.load(_f)

# One validator per message, each a reference into the schema's definitions.
_VALIDATORS = {
    kind: jsonschema.Draft7Validator({"$ref": f"#/definitions/{kind}", "definitions": SCHEMA["definitions"]})
    for kind in ("job", "verdict", "result")
}


def _enum(definition):
    return {value: value for value in SCHEMA["definitions"][definition]["enum"]}


ROLE = _enum("role")
CELL_STATUS = _enum("cellStatus")


def is_valid(kind, value):
    """Whether value is a valid message of this kind (job, verdict or result)."""
    return _VALIDATORS[kind].is_valid(value)


def validate(kind, value):
    """Raises ValueError unless value is a valid message of this kind (job, verdict or result)."""
    errors = sorted(_VALIDATORS[kind].iter_errors(value), key=lambda e: list(map(str, e.path)))
    if errors:
        why = "; ".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5])
        raise ValueError(f"not a valid {kind} (grader/schema.json): {why}")


if __name__ == "__main__":
    # `python3 grader/schema.py KIND FILE`: validates one message (the round-trip test uses it).
    import sys

    with open(sys.argv[2], encoding="utf-8") as f:
        message = json.load(f)
    try:
        validate(sys.argv[1], message)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
    print(f"a valid {sys.argv[1]}")
