"""The local AWS emulator for the end-to-end test: moto's server with seven fixes, run in its own process as
`python -m tests.e2e.emulator --port N` (the test starts it on 127.0.0.1 and stops it).

The fixes are for moto 5.2.5 gaps that a real account does not have; the stacks are never changed for them:
- Resource types moto's CloudFormation does not model (AWS::Bedrock::ApplicationInferenceProfile, budgets,
  anomaly monitors, ...) become stand-ins that remember their properties and answer `Ref`/`Fn::GetAtt` with
  a name or an ARN-shaped string. Plain moto skips them, but then any `Fn::GetAtt` on one (an output, an
  environment variable) fails the whole stack. The test asserts such resources on the deployed template.
- `DeleteChangeSet` for a change set that does not exist (the CDK CLI clears a possible leftover before
  each update) crashes with UnboundLocalError (HTTP 500) instead of succeeding as CloudFormation does.
- A `Custom::*` resource makes moto start a thread that invokes the provider Lambda (in Docker, which is
  not there); the attempt creates the provider's log group `/aws/lambda/<provider>` and races the stack's
  own `AWS::Logs::LogGroup` of that name ("log group already exists", now and then). The thread is not
  started: the test answers custom resources itself (harness.CustomResourceResponder).
- CloudFormation requests are served one at a time. moto registers a stack before creating its resources,
  and builds resources lazily on first access, so a DescribeStacks/DescribeStackResources arriving (in
  another server thread) during a CreateStack created some resources twice: the duplicates, unknown to
  the stack, outlived `cdk destroy`.
- `AWS::Lambda::Function`: moto's CFN handler drops `Architectures` (every function reports x86_64); it is
  passed on to the function as the Lambda API would.
- `AWS::KMS::Key` with `Tags` (CDK tags every resource of a stack) fails with KeyError 'TagKey': moto's CFN
  handler passes CloudFormation's `{Key, Value}` tags to an API that expects `{TagKey, TagValue}`; and it
  stores `KeyPolicy` as a dict where the API keeps a JSON string, so DescribeKey fails (HTTP 500).
- A `Custom::*` resource's provider is never asked on stack update or delete (moto even replaces the
  resource with None on update), and the provider's physical id is dropped. With E2E_CUSTOM_RESOURCE_SPOOL
  set to a folder, the Update and Delete requests CloudFormation would send are written there as
  `<request id>.request.json`; the emulator waits for the test's `<request id>.response.json`
  (harness.CustomResourceResponder plays the provider) and keeps its physical id and Data, as
  CloudFormation does.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

STAND_IN_TYPE = "GenAiGuardrails::E2E::StandIn"


def _kms_tags(tags: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{"TagKey": t["Key"], "TagValue": t["Value"]} if "Key" in t else t for t in tags]


def patch_moto() -> None:
    from moto.awslambda.models import LambdaFunction
    from moto.cloudformation import custom_model, parsing
    from moto.cloudformation.models import CloudFormationBackend
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.common_models import CloudFormationModel
    from moto.kms.models import Key

    class StandIn(CloudFormationModel):
        """Any resource type moto cannot create: kept as data, deleted as data."""

        __module__ = "moto.cloudformation.e2e_stand_in"  # moto's models derive their service from it

        def __init__(
            self, name: str, resource_type: str, properties: dict[str, Any], account: str, region: str
        ):
            self.name = name
            self.resource_type = resource_type
            self.properties = properties
            service = resource_type.split("::")[1].lower() if resource_type.count("::") >= 2 else "custom"
            kind = resource_type.rsplit("::", 1)[-1].lower()
            self.arn = f"arn:aws:{service}:{region}:{account}:{kind}/{name}"

        @property
        def physical_resource_id(self) -> str:
            return self.name

        @staticmethod
        def cloudformation_type() -> str:
            return STAND_IN_TYPE

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return True

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            return self.arn if attribute_name.endswith("Arn") else f"{self.name}-{attribute_name}"

        @classmethod
        def create_from_cloudformation_json(
            cls,
            resource_name: str,
            cloudformation_json: Any,
            account_id: str,
            region_name: str,
            **kwargs: Any,
        ) -> StandIn:
            resource_type = kwargs.get(
                "ResourceType", cloudformation_json.get("Type", "Unknown::Unknown::Unknown")
            )
            properties = cloudformation_json.get("Properties", {})
            return cls(resource_name, resource_type, properties, account_id, region_name)

        @classmethod
        def update_from_cloudformation_json(
            cls,
            original_resource: Any,
            new_resource_name: str,
            cloudformation_json: Any,
            account_id: str,
            region_name: str,
        ) -> StandIn:
            resource_type = cloudformation_json.get("Type", "Unknown::Unknown::Unknown")
            name = getattr(original_resource, "name", new_resource_name)
            return cls(
                name, resource_type, cloudformation_json.get("Properties", {}), account_id, region_name
            )

        @classmethod
        def delete_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
        ) -> None:
            return None

    resource_class_from_type = parsing.resource_class_from_type

    def resource_class_or_stand_in(resource_type: str) -> Any:
        if resource_type in parsing.NULL_MODELS:
            return None
        return resource_class_from_type(resource_type) or StandIn

    parsing.resource_class_from_type = resource_class_or_stand_in

    class ProviderNotInvoked:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def start(self) -> None:
            pass

    custom_model.threading = SimpleNamespace(Thread=ProviderNotInvoked)  # type: ignore[attr-defined, assignment]

    one_at_a_time = threading.RLock()
    call_action = CloudFormationResponse.call_action

    def call_action_alone(self: CloudFormationResponse) -> Any:
        with one_at_a_time:
            return call_action(self)

    CloudFormationResponse.call_action = call_action_alone  # type: ignore[method-assign, assignment]

    delete_change_set = CloudFormationBackend.delete_change_set

    def delete_change_set_if_any(self: CloudFormationBackend, change_set_name: str) -> None:
        known = {cs.change_set_name for cs in self.change_sets.values()} | set(self.change_sets)
        if change_set_name in known:
            delete_change_set(self, change_set_name)

    CloudFormationBackend.delete_change_set = delete_change_set_if_any  # type: ignore[method-assign]

    create_function = LambdaFunction.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create_function_with_architectures(
        cls: Any, resource_name: str, cloudformation_json: Any, *args: Any, **kwargs: Any
    ) -> Any:
        function = create_function(cls, resource_name, cloudformation_json, *args, **kwargs)
        architectures = cloudformation_json.get("Properties", {}).get("Architectures")
        if architectures:
            function.architectures = architectures
        return function

    LambdaFunction.create_from_cloudformation_json = classmethod(create_function_with_architectures)  # type: ignore[method-assign, assignment]

    create_key = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create_tagged_key(
        cls: Any, resource_name: str, cloudformation_json: Any, *args: Any, **kwargs: Any
    ) -> Any:
        properties = cloudformation_json.get("Properties", {})
        if properties.get("Tags"):
            properties = {**properties, "Tags": _kms_tags(properties["Tags"])}
        if isinstance(properties.get("KeyPolicy"), dict):  # the API stores (and later parses) a string
            properties = {**properties, "KeyPolicy": json.dumps(properties["KeyPolicy"])}
        cloudformation_json = {**cloudformation_json, "Properties": properties}
        return create_key(cls, resource_name, cloudformation_json, *args, **kwargs)

    Key.create_from_cloudformation_json = classmethod(create_tagged_key)  # type: ignore[method-assign, assignment]

    spool = os.environ.get(SPOOL_ENV)
    if spool:
        patch_custom_resources(Path(spool))


SPOOL_ENV = "E2E_CUSTOM_RESOURCE_SPOOL"
PROVIDER_TIMEOUT_S = 120


def ask_provider(spool: Path, request: dict[str, Any]) -> dict[str, Any]:
    """Write a custom-resource request to the spool and wait for the test's answer to it."""
    name = str(request["RequestId"])
    scratch = spool / f".{name}.request.json"
    scratch.write_text(json.dumps(request), encoding="utf-8")
    scratch.rename(spool / f"{name}.request.json")  # whole files only: the reader never sees half of one
    answer_path = spool / f"{name}.response.json"
    deadline = time.monotonic() + PROVIDER_TIMEOUT_S
    while not answer_path.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"no answer to {request['RequestType']} of {request['LogicalResourceId']}")
        time.sleep(0.05)
    answer: dict[str, Any] = json.loads(answer_path.read_text(encoding="utf-8"))
    if answer.get("Status") != "SUCCESS":
        raise RuntimeError(f"{request['LogicalResourceId']}: {answer.get('Reason')}")
    return answer


def patch_custom_resources(spool: Path) -> None:
    from moto.cloudformation.custom_model import CustomModel
    from moto.cloudformation.responses import CloudFormationResponse

    create = CustomModel.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create_remembering(
        cls: Any,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        resource = create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        resource.properties = cloudformation_json["Properties"]
        resource.stack_id = kwargs["StackId"]
        resource.resource_type = kwargs["ResourceType"]
        resource.provider_physical_id = None
        return resource

    CustomModel.create_from_cloudformation_json = classmethod(create_remembering)  # type: ignore[method-assign, assignment, arg-type]
    # What Ref and DescribeStackResources give: the provider's physical id once it answered.
    CustomModel.physical_resource_id = property(  # type: ignore[method-assign, assignment]
        lambda self: getattr(self, "provider_physical_id", None) or self.resource_name
    )

    def request(resource: Any, request_type: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "RequestType": request_type,
            "ServiceToken": properties.get("ServiceToken"),
            "ResponseURL": "",
            "StackId": resource.stack_id,
            "RequestId": str(uuid.uuid4()),
            "LogicalResourceId": resource.logical_id,
            "PhysicalResourceId": resource.physical_resource_id,
            "ResourceType": resource.resource_type,
            "ResourceProperties": properties,
            **extra,
        }

    def update(
        cls: Any,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> Any:
        properties = cloudformation_json["Properties"]
        old = original_resource.properties
        answer = ask_provider(
            spool, request(original_resource, "Update", properties, OldResourceProperties=old)
        )
        original_resource.properties = properties
        original_resource.data = answer.get("Data") or {}
        original_resource.provider_physical_id = answer.get("PhysicalResourceId")
        return original_resource

    CustomModel.update_from_cloudformation_json = classmethod(update)  # type: ignore[method-assign, assignment]

    def delete(self: Any, account_id: str, region_name: str) -> None:
        ask_provider(spool, request(self, "Delete", self.properties))

    CustomModel.delete = delete  # type: ignore[attr-defined]

    process_cfn_response = CloudFormationResponse.process_cfn_response

    def process_keeping_physical_id(self: CloudFormationResponse) -> Any:
        result = process_cfn_response(self)
        if self._get_param("Status") == "SUCCESS":
            stack = self.cloudformation_backend.get_stack(self._get_param("StackId"))
            resource = stack.get_custom_resource(self._get_param("LogicalResourceId"))
            resource.provider_physical_id = self._get_param("PhysicalResourceId")  # type: ignore[attr-defined]
        return result

    CloudFormationResponse.process_cfn_response = process_keeping_physical_id  # type: ignore[method-assign]


class _LogOddResponses:
    """WSGI middleware (E2E_EMULATOR_DEBUG=1): log query-protocol answers that are not XML. moto sometimes
    answers a CloudFormation call with another service's JSON error, which the CLI reports only as
    "XML parse error"; the log (emulator.log in the test's temp folder) names the real error."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        import io
        import sys

        length = int(environ.get("CONTENT_LENGTH") or 0)
        request = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(request)
        chunks = list(self.app(environ, start_response))
        body = b"".join(chunks)
        if request.startswith(b"Action=") and body and not body.lstrip().startswith(b"<"):
            print(f"E2E non-XML answer to {request[:60]!r}: {body[:2000]!r}", file=sys.stderr, flush=True)
        return [body]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    patch_moto()

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import run_simple

    app: Any = DomainDispatcherApplication(create_backend_app)
    if os.environ.get("E2E_EMULATOR_DEBUG") == "1":
        app = _LogOddResponses(app)
    run_simple("127.0.0.1", args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
