"""Scheduled refresh of the price catalog from the AWS Price List API (see ``refresh``)."""
