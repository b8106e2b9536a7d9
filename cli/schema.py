"""Write the config's JSON Schema (`make schema` -> config/schema.json) for editors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from core.config_model import GuardrailsConfig


def schema_text() -> str:
    schema = GuardrailsConfig.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "GenAI Cost Guardrails configuration"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "config/schema.json")
    out.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
