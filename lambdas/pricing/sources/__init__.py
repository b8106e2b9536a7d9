"""Hand-kept source table for the bundled price catalog (read by ``build_bundled_catalog``)."""
