#!/usr/bin/env python3
"""jsonschema_check.py SCHEMA FILE - validates FILE against the JSON Schema SCHEMA (draft 7,
python3-jsonschema) and also checks that the schema itself is a valid draft-7 schema.
Prints "ok" or every error; exit status 0 or 1."""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
doc = json.load(open(sys.argv[2]))
errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
for e in errors[:10]:
    print("%s: %s at %s" % (sys.argv[2], e.message, "/".join(str(p) for p in e.path)))
print("ok" if not errors else "%d errors" % len(errors))
sys.exit(1 if errors else 0)
