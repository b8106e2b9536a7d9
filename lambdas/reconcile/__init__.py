"""Daily reconciliation of the metered cost with the bill (Cost Explorer); see ``service``."""
