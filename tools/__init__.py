"""Development tools run from a checkout (`make preview`): outside the installed package, so they may use
the `[dev]` extra's dependencies."""
