"""The `genai-guardrails` console script."""
