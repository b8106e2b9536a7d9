"""The account-level `price_refresh` switch: off by default, weekly, strict."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from config.loader import parse_config
from core.config_model import PriceRefresh


def test_defaults_are_off_and_weekly(config_data: dict[str, Any]) -> None:
    assert PriceRefresh() == PriceRefresh(enabled=False, schedule_days=7)
    config_data["accounts"][0].pop("price_refresh", None)
    assert parse_config(config_data).accounts[0].price_refresh.enabled is False


@pytest.mark.parametrize(
    "bad", [{"enabled": "yes"}, {"schedule_days": 0}, {"schedule_days": 91}, {"hourly": 1}]
)
def test_invalid_values_are_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PriceRefresh.model_validate(bad)
