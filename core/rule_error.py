"""The error a config rule raises: the message starts with the config field it concerns."""

from __future__ import annotations


class ConfigRuleError(ValueError):
    """A config that parses but breaks a rule (an AWS limit, a policy it would violate). The message starts
    with the field path, e.g. ``accounts[0].features: ...``; the loader adds the file name."""
