"""The CDK-free core every other package imports, and that imports none of them.

Names (``naming``), the metric contract (``contract``), the config file's schema (``config_model``), the
run-time config the Lambdas read (``runtime_config``), alarm definitions (``alarm_definitions``) and the
config rules that need no CDK (``rules``). It ships inside the Lambda asset.
"""
