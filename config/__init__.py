"""The guardrails configuration: one YAML file, validated by pydantic models."""

from config.loader import EXAMPLE_CONFIG, ConfigError, ConfigRuleError, load_config, parse_config
from config.model import Account, Feature, GuardrailsConfig

__all__ = [
    "EXAMPLE_CONFIG",
    "Account",
    "ConfigError",
    "ConfigRuleError",
    "Feature",
    "GuardrailsConfig",
    "load_config",
    "parse_config",
]
