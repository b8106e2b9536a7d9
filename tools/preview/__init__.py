"""`make preview`: every dashboard the stacks deploy, rendered to PNG from simulated traffic.

`traffic` simulates and meters one account's day with replay's own code, `metrics` evaluates a widget's
metrics and metric math with replay's engine, `render` draws the dashboard bodies with matplotlib.
"""
