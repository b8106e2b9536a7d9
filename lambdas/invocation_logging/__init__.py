"""Custom resource: Bedrock model invocation logging that keeps what the account already has."""
