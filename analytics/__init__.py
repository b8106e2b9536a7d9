"""SQL over invocation logs, generated from an account's runtime config: replay's aggregation (DuckDB and
Athena) and the Athena named queries the analytics construct deploys. Imports only core and lambdas."""
