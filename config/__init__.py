"""The guardrails configuration: one YAML file, validated by pydantic models."""

from config.loader import EXAMPLE_CONFIG, ConfigError, check_rules, load_config, parse_config
from core.config_model import Account, Feature, GuardrailsConfig

__all__ = [
    "EXAMPLE_CONFIG",
    "Account",
    "ConfigError",
    "Feature",
    "GuardrailsConfig",
    "check_rules",
    "load_config",
    "parse_config",
]
