"""The layout guard: a deployed account stack keeps the layout it was deployed with.

Moving a deployed stack's feature alarms and dashboards between its own template and nested stacks would
make CloudFormation create them under the same names in their new place, then delete them, by name, when it
cleans up the old place: the account would silently lose them. A split account's own template therefore
holds, at the logical id the one-template layout gives the account dashboard (the same construct path), a
resource of another type that does nothing. CloudFormation refuses a change set that changes a resource's
type ("Update of resource type is not permitted. The new template modifies resource type of the following
resources: [...]") before it changes anything, whichever way the move goes; a stack deployed nested from
the start just creates the handle.
"""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

# The construct id of the account's dashboards in the one-template layout (stacks/account_stack.py).
DASHBOARDS_CONSTRUCT_ID = "Dashboards"
# Free, no properties, no tags, nothing to update: a placeholder CloudFormation itself documents.
GUARD_TYPE = "AWS::CloudFormation::WaitConditionHandle"
GUARD_NOTE = (
    "Layout guard: this stack keeps its feature alarms and dashboards in nested stacks. A deploy refused "
    "with 'Update of resource type is not permitted' naming this resource would have moved them from or "
    "to the stack's own template: set the account's stack_layout back to what it was deployed with "
    "(README, Moving into nested stacks)."
)


def layout_guard(stack: cdk.Stack, *, account_dashboard: str) -> cdk.CfnResource:
    """`account_dashboard`: the account dashboard's name, its construct id in the one-template layout."""
    # A split stack's account-dashboards unit has that id too (its nested stack is the child "Stack").
    found = stack.node.try_find_child(DASHBOARDS_CONSTRUCT_ID)
    scope = found if isinstance(found, Construct) else Construct(stack, DASHBOARDS_CONSTRUCT_ID)
    guard = cdk.CfnResource(scope, account_dashboard, type=GUARD_TYPE)
    guard.cfn_options.metadata = {"GenAiGuardrails": GUARD_NOTE}
    return guard
