"""Helpers for the end-to-end deploy test: the README's commands, the emulator process, per-account
credentials, running the CDK CLI, and answering the custom resources the emulator cannot run."""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PYTHON = Path(sys.executable)  # the interpreter running the tests: it has moto and the project's packages

# Flags the emulator needs on top of the README's commands (README "Deploying" explains each one).
SYNTH_FLAGS = ("-c", "synthesizer=cli")
DEPLOY_FLAGS = ("--method=direct", "--require-approval", "never")
COMMAND_TIMEOUT_S = 240


# ---------------------------------------------------------------------------------------------- README


@dataclass(frozen=True)
class CdkCommand:
    """One `npx cdk ...` line of the README."""

    line: str
    argv: tuple[str, ...]

    @property
    def verb(self) -> str:
        return self.argv[2]

    @property
    def profile(self) -> str:
        return self.argv[self.argv.index("--profile") + 1]

    @property
    def target(self) -> str:
        """`aws://ACCOUNT/REGION` for bootstrap, the stack name for deploy and destroy."""
        return self.argv[3]


def readme_commands(readme: Path = README) -> list[CdkCommand]:
    """Every `npx cdk` line of the README's "Deploying" section, in order (comments dropped)."""
    text = readme.read_text(encoding="utf-8")
    start = text.index("\n## Deploying\n")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end != -1 else len(text)]
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S):
        for raw in block.splitlines():
            line = raw.split("#", 1)[0].strip()
            if line.startswith("npx cdk "):
                commands.append(CdkCommand(line, tuple(shlex.split(line))))
    return commands


def readme_path_export(readme: Path = README) -> str:
    text = readme.read_text(encoding="utf-8")
    section = text[text.index("\n## Deploying\n") :]
    match = re.search(r"^export PATH=(.*)$", section, flags=re.M)
    assert match, "README's Deploying section no longer puts node_modules/.bin on PATH"
    return match.group(1)


# -------------------------------------------------------------------------------------------- emulator


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


class Emulator:
    """`python -m tests.e2e.emulator` (moto server + fixes) on 127.0.0.1 and a free port."""

    def __init__(self, log_path: Path, spool: Path | None = None) -> None:
        self.log_path = log_path
        self.spool = spool  # where it asks for custom resources' Update and Delete answers (emulator.py)
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        # `localhost`, not 127.0.0.1: with an IP the CLI reads S3 template URLs' host as a bucket name.
        return f"http://localhost:{self.port}"

    def start(self) -> None:
        for _ in range(5):  # the port could be taken between free_port() and the bind: try another
            self.port = free_port()
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    [str(PYTHON), "-m", "tests.e2e.emulator", "--port", str(self.port)],
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env={
                        **os.environ,
                        "PYTHONWARNINGS": "ignore",
                        "E2E_EMULATOR_DEBUG": "1",
                        **({"E2E_CUSTOM_RESOURCE_SPOOL": str(self.spool)} if self.spool else {}),
                    },
                )
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{self.port}/moto-api/", timeout=2).close()
                    return
                except OSError:
                    time.sleep(0.1)
            self.stop()
        raise RuntimeError(f"the emulator did not start; see {self.log_path}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def stop_and_release(self) -> None:
        """Stop, then wait (up to 5 s) until the port is free again: a test module leaves nothing behind."""
        port = self.port
        self.stop()
        for _ in range(50):
            if port_is_free(port):
                break
            time.sleep(0.1)
        assert port_is_free(port), f"port {port} still in use after the emulator stopped"

    def account_keys(self, account_id: str) -> tuple[str, str]:
        """A new IAM user's access key in `account_id`: moto maps each access key to its account."""
        iam = boto3.client(
            "iam",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="AKIAE2EBOOTSTRAPKEY",
            aws_secret_access_key="e2e",
        )

        def in_account(request: Any, **_: Any) -> None:
            request.headers["x-moto-account-id"] = account_id

        iam.meta.events.register("before-sign.iam.*", in_account)
        iam.create_user(UserName="e2e-deployer")
        key = iam.create_access_key(UserName="e2e-deployer")["AccessKey"]
        return str(key["AccessKeyId"]), str(key["SecretAccessKey"])


# ------------------------------------------------------------------------------------------ accounts


@dataclass
class Profile:
    name: str
    account: str
    region: str
    access_key: str
    secret_key: str

    def client(self, service: str, endpoint: str, region: str | None = None) -> Any:
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name=region or self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )


def write_aws_files(profiles: Mapping[str, Profile], folder: Path) -> dict[str, str]:
    """Shared config + credentials files with one profile per account; returns the env pointing at them."""
    credentials = folder / "credentials"
    config = folder / "config"
    credentials.write_text(
        "".join(
            f"[{p.name}]\naws_access_key_id = {p.access_key}\naws_secret_access_key = {p.secret_key}\n\n"
            for p in profiles.values()
        ),
        encoding="utf-8",
    )
    config.write_text(
        "".join(f"[profile {p.name}]\nregion = {p.region}\n\n" for p in profiles.values()), encoding="utf-8"
    )
    return {"AWS_SHARED_CREDENTIALS_FILE": str(credentials), "AWS_CONFIG_FILE": str(config)}


def cli_environment(endpoint: str, aws_files: Mapping[str, str]) -> dict[str, str]:
    """The environment the README's commands run in, pointed at the emulator and nothing else."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    path_export = readme_path_export().strip('"')
    env["PATH"] = path_export.replace("$PWD", str(ROOT)).replace("$PATH", os.environ.get("PATH", ""))
    env.update(aws_files)
    env.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_EC2_METADATA_DISABLED": "true",
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "1",
            "CDK_DISABLE_VERSION_CHECK": "true",
            "CDK_DISABLE_CLI_TELEMETRY": "true",
        }
    )
    return env


# ------------------------------------------------------------------------------------------- the CLI


@dataclass
class CliRun:
    argv: list[str]
    returncode: int
    output: str
    seconds: float
    outdir: Path


def synth_argv(outdir: Path, extra: tuple[str, ...] = ()) -> list[str]:
    """`npx cdk synth` once per config: every README command then reads that assembly (`--app`)."""
    return [
        "npx",
        "--no-install",
        "cdk",
        "synth",
        "--quiet",
        "--no-notices",
        "--output",
        str(outdir),
        *SYNTH_FLAGS,
        *extra,
    ]


def cli_argv(command: CdkCommand, assembly: Path, extra: tuple[str, ...] = ()) -> list[str]:
    """The README line as run here: `npx --no-install` (never download a CLI), the synthesized assembly
    (`--app`), and the emulator's flags appended."""
    assert command.argv[:2] == ("npx", "cdk"), command.line
    argv = ["npx", "--no-install", *command.argv[1:], "--no-notices", "--app", str(assembly)]
    if command.verb == "deploy":
        argv += DEPLOY_FLAGS
    return argv + list(extra)


def run_cli(argv: list[str], env: Mapping[str, str], outdir: Path) -> CliRun:
    start = time.monotonic()
    proc = subprocess.run(
        argv,
        cwd=ROOT,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )
    output = proc.stdout + proc.stderr
    output = "\n".join(line for line in output.splitlines() if not line.startswith("npm warn"))
    return CliRun(argv, proc.returncode, output, time.monotonic() - start, outdir)


def run_all(runs: list[tuple[list[str], Path]], env: Mapping[str, str]) -> list[CliRun]:
    """Independent commands (different accounts) at the same time; results in the given order."""
    with ThreadPoolExecutor(max_workers=len(runs) or 1) as pool:
        return list(pool.map(lambda run: run_cli(run[0], env, run[1]), runs))


def assert_ok(results: list[CliRun]) -> None:
    failed = [r for r in results if r.returncode != 0]
    assert not failed, "\n\n".join(f"$ {shlex.join(r.argv)}\n{r.output[-4000:]}" for r in failed)


# --------------------------------------------------------------------------------- custom resources


# AWS SDK for JavaScript v3 client names (what AwsCustomResource calls) that boto3 spells differently.
BOTO3_SERVICE = {
    "costexplorer": "ce",
    "cloudwatchlogs": "logs",
    "eventbridge": "events",
    "configservice": "config",
    "sfn": "stepfunctions",
    "elasticloadbalancingv2": "elbv2",
}
PSEUDO = ("AWS::AccountId", "AWS::Region", "AWS::Partition", "AWS::URLSuffix", "AWS::StackName")


class Unresolvable(Exception):
    pass


@dataclass
class CustomResourceLog:
    """What the responder did: every response sent, and every SDK call it made as the provider."""

    responses: list[tuple[str, str, str]] = field(default_factory=list)  # (stack, logical id, status)
    calls: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class CustomResourceResponder:
    """Plays the provider Lambda of `Custom::*` resources, which the emulator cannot run (no Docker).

    moto invokes the provider and keeps the stack `*_IN_PROGRESS` until a CloudFormation response arrives
    at `/cloudformation_<region>/cfnresponse` (its stand-in for the presigned S3 ResponseURL). For an
    AwsCustomResource (`Custom::AWS`) whose `Create`/`Update` call resolves (Ref, Fn::GetAtt, Fn::Join,
    Fn::Sub over the stack's physical ids), the responder first makes that SDK call against the emulator
    with the account's credentials, as the provider would; then it answers SUCCESS.

    A resource served by the CDK Provider framework (its ServiceToken is a function whose environment names
    USER_ON_EVENT_FUNCTION_ARN) gets what the framework would do: the user function's handler, from the
    code asset of the assembly being deployed, runs in a subprocess against the emulator with the account's
    credentials, and its PhysicalResourceId and Data are the answer. Update and Delete requests arrive
    through the emulator's spool folder (emulator.py), Create ones by watching the stacks.
    """

    def __init__(
        self,
        endpoint: str,
        profiles: Mapping[str, Profile],
        regions: Mapping[str, set[str]],
        assemblies: Mapping[str, Path] | None = None,
        spool: Path | None = None,
    ):
        self.endpoint = endpoint
        self.by_account = {p.account: p for p in profiles.values()}
        self.regions = regions  # account -> regions with stacks
        self.assemblies = dict(assemblies or {})  # stack name -> the assembly being deployed
        self.spool = spool
        self.log = CustomResourceLog()
        self._answered: set[tuple[str, str, str]] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="custom-resource-responder", daemon=True)
        # Separate thread: while the emulator waits for a spooled answer it holds CloudFormation's lock,
        # so the stack-watching thread may be blocked in a CloudFormation call meanwhile.
        self._spool_thread = threading.Thread(
            target=self._run_spool, name="custom-resource-spool", daemon=True
        )

    def __enter__(self) -> CustomResourceResponder:
        self._thread.start()
        if self.spool is not None:
            self._spool_thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        if self.spool is not None:
            self._spool_thread.join(timeout=30)

    def _run_spool(self) -> None:
        assert self.spool is not None
        while not self._stop.wait(0.1):
            for path in sorted(self.spool.glob("*.request.json")):
                answer_path = path.with_name(path.name.replace(".request.json", ".response.json"))
                if answer_path.exists():
                    continue
                try:
                    answer = self._answer_spooled(json.loads(path.read_text(encoding="utf-8")))
                except Exception as exc:  # the emulator fails the stack operation with this reason
                    self.log.errors.append(f"{path.name}: {exc!r}")
                    answer = {"Status": "FAILED", "Reason": repr(exc)}
                scratch = answer_path.with_name("." + answer_path.name)
                scratch.write_text(json.dumps(answer), encoding="utf-8")
                scratch.rename(answer_path)

    def _answer_spooled(self, request: dict[str, Any]) -> dict[str, Any]:
        """An Update or Delete: the provider framework's user function if there is one; an
        AwsCustomResource is answered without its call, as before the spool existed."""
        _, _, _, region, account, resource = str(request["StackId"]).split(":", 5)
        stack_name = resource.split("/")[1]
        template = template_of(self.assemblies[stack_name], stack_name)
        logical_id = request["LogicalResourceId"]
        answer = {"Status": "SUCCESS", "PhysicalResourceId": request["PhysicalResourceId"], "Data": {}}
        user_function = provider_user_function(template, logical_id)
        if user_function is not None:
            result = self._run_provider(self.by_account[account], region, stack_name, user_function, request)
            answer.update({k: v for k, v in result.items() if k in ("PhysicalResourceId", "Data")})
        self.log.calls.append(
            {
                "stack": stack_name,
                "logical_id": logical_id,
                "request": request["RequestType"],
                "provider": user_function is not None,
                "answer": answer,
            }
        )
        return answer

    def _run_provider(
        self, profile: Profile, region: str, stack_name: str, user_function: str, request: dict[str, Any]
    ) -> dict[str, Any]:
        """The Provider framework's user function, from the assembly's code asset, on the emulator."""
        assembly = self.assemblies[stack_name]
        function = template_of(assembly, stack_name)["Resources"][user_function]
        handler = function["Properties"]["Handler"]
        code_dir = assembly / function["Metadata"]["aws:asset:path"]
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        env = python_subprocess_env(
            {
                **{k: str(v) for k, v in variables.items() if isinstance(v, str | int | float | bool)},
                "E2E_CODE_DIR": str(code_dir),
                "E2E_HANDLER": handler,
                "E2E_FUNCTION_ARN": f"arn:aws:lambda:{region}:{profile.account}:function:{user_function}",
                "AWS_LAMBDA_FUNCTION_NAME": user_function,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function["Properties"].get("MemorySize", 128)),
                "AWS_REGION": region,
                "AWS_DEFAULT_REGION": region,
                "AWS_ENDPOINT_URL": self.endpoint,
                "AWS_ACCESS_KEY_ID": profile.access_key,
                "AWS_SECRET_ACCESS_KEY": profile.secret_key,
            }
        )
        proc = run_python(HANDLER_DRIVER, cwd=code_dir, env=env, stdin=json.dumps(request))
        for line in proc.stdout.splitlines():
            if line.startswith("E2E-RESULT "):
                result: dict[str, Any] = json.loads(line.removeprefix("E2E-RESULT "))
                return result
        raise RuntimeError(f"{handler} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for account, regions in self.regions.items():
                for region in regions:
                    try:
                        self._sweep(self.by_account[account], region)
                    except Exception as exc:  # keep watching; the deploy's own result tells the story
                        self.log.errors.append(f"{account}/{region}: {exc!r}")

    def _sweep(self, profile: Profile, region: str) -> None:
        cfn = profile.client("cloudformation", self.endpoint, region)
        for stack in cfn.describe_stacks()["Stacks"]:
            status = stack["StackStatus"]
            if status not in ("CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS"):
                continue
            template = cfn.get_template(StackName=stack["StackId"])["TemplateBody"]
            if isinstance(template, str):
                template = json.loads(template)
            for logical_id, resource in template.get("Resources", {}).items():
                if not resource["Type"].startswith("Custom::"):
                    continue
                key = (stack["StackId"], f"{status}:{stack.get('LastUpdatedTime', '')}", logical_id)
                if key in self._answered:
                    continue
                self._answered.add(key)
                request = "Create" if status.startswith("CREATE") else "Update"
                physical_id, data = self._act(profile, region, stack, template, logical_id, resource, request)
                self._respond(profile, region, stack["StackId"], logical_id, physical_id, data)

    def _act(
        self,
        profile: Profile,
        region: str,
        stack: dict[str, Any],
        template: dict[str, Any],
        logical_id: str,
        resource: dict[str, Any],
        request: str,
    ) -> tuple[str, dict[str, Any]]:
        props = resource.get("Properties", {})
        user_function = provider_user_function(template, logical_id)
        if user_function is not None and stack["StackName"] in self.assemblies:
            return self._create_by_provider(profile, region, stack, template, logical_id, user_function)
        raw = props.get(request) or props.get("Create")
        if resource["Type"] != "Custom::AWS" or raw is None:
            return logical_id, {}
        context = self._resolver(profile, region, stack, template)
        try:
            call = json.loads(context.resolve(raw))
        except Unresolvable as exc:
            self.log.calls.append(
                {"stack": stack["StackName"], "logical_id": logical_id, "skipped": str(exc)}
            )
            return logical_id, {}
        service = str(call["service"]).removeprefix("@aws-sdk/client-").replace("-", "").lower()
        service = BOTO3_SERVICE.get(service, service)
        action = str(call["action"]).removesuffix("Command")
        method = re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()
        entry: dict[str, Any] = {
            "stack": stack["StackName"],
            "account": profile.account,
            "region": region,
            "logical_id": logical_id,
            "service": service,
            "action": action,
            "parameters": call.get("parameters", {}),
        }
        if not emulator_implements(service, method):
            entry["unsupported"] = f"moto has no {service}.{method}: the call was resolved but not made"
        else:
            try:
                client = profile.client(service, self.endpoint, region)
                entry["response"] = getattr(client, method)(**call.get("parameters", {}))
            except Exception as exc:
                entry["error"] = repr(exc)
        self.log.calls.append(entry)
        physical_id = call.get("physicalResourceId", {}).get("id")
        return str(physical_id or logical_id), {}

    def _resolver(
        self, profile: Profile, region: str, stack: dict[str, Any], template: dict[str, Any]
    ) -> _Resolver:
        """Intrinsic functions over the stack's physical ids, as CloudFormation resolves them."""
        cfn = profile.client("cloudformation", self.endpoint, region)
        physical = {
            r["LogicalResourceId"]: r
            for r in cfn.describe_stack_resources(StackName=stack["StackId"])["StackResources"]
        }
        return _Resolver(self.endpoint, profile, region, stack["StackName"], template, physical)

    def _create_by_provider(
        self,
        profile: Profile,
        region: str,
        stack: dict[str, Any],
        template: dict[str, Any],
        logical_id: str,
        user_function: str,
    ) -> tuple[str, dict[str, Any]]:
        context = self._resolver(profile, region, stack, template)
        resource = template["Resources"][logical_id]
        request = {
            "RequestType": "Create",
            "ServiceToken": context.resolve(resource["Properties"]["ServiceToken"]),
            "ResponseURL": "",
            "StackId": stack["StackId"],
            "RequestId": f"e2e-{logical_id}",
            "LogicalResourceId": logical_id,
            "ResourceType": resource["Type"],
            "ResourceProperties": context.resolve(resource["Properties"]),
        }
        result = self._run_provider(profile, region, stack["StackName"], user_function, request)
        answer = {"PhysicalResourceId": result["PhysicalResourceId"], "Data": result.get("Data") or {}}
        self.log.calls.append(
            {
                "stack": stack["StackName"],
                "logical_id": logical_id,
                "request": "Create",
                "provider": True,
                "answer": answer,
            }
        )
        return str(answer["PhysicalResourceId"]), dict(answer["Data"])

    def _respond(
        self,
        profile: Profile,
        region: str,
        stack_id: str,
        logical_id: str,
        physical_id: str,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        body = {
            "Status": "SUCCESS",
            "Reason": "completed by tests/e2e (the emulator cannot run the provider Lambda)",
            "StackId": stack_id,
            "RequestId": f"e2e-{logical_id}",
            "LogicalResourceId": logical_id,
            "PhysicalResourceId": physical_id,
            "Data": dict(data or {}),
        }
        url = f"{self.endpoint}/cloudformation_{region}/cfnresponse?stack={urllib.parse.quote(stack_id)}"
        request = urllib.request.Request(
            url,
            data=json.dumps(body).encode(),
            method="PUT",
            headers={"x-moto-account-id": profile.account, "Content-Type": ""},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
        self.log.responses.append((stack_id, logical_id, "SUCCESS"))


def provider_user_function(template: Mapping[str, Any], logical_id: str) -> str | None:
    """The logical id of the function a CDK Provider framework calls for this custom resource, if any."""
    resources = template.get("Resources", {})
    token = resources.get(logical_id, {}).get("Properties", {}).get("ServiceToken")
    if not isinstance(token, dict) or "Fn::GetAtt" not in token:
        return None
    framework = resources.get(token["Fn::GetAtt"][0], {})
    variables = framework.get("Properties", {}).get("Environment", {}).get("Variables", {})
    user = variables.get("USER_ON_EVENT_FUNCTION_ARN")
    if isinstance(user, dict) and "Fn::GetAtt" in user:
        return str(user["Fn::GetAtt"][0])
    return None


# Runs a Lambda handler from an unpacked code asset: event on stdin, result on a line of stdout.
HANDLER_DRIVER = """
import importlib, json, os, sys
code_dir = os.environ["E2E_CODE_DIR"]
sys.path.insert(0, code_dir)
module_name, function_name = os.environ["E2E_HANDLER"].rsplit(".", 1)
module = importlib.import_module(module_name)
assert os.path.realpath(module.__file__).startswith(os.path.realpath(code_dir)), module.__file__

class Context:
    function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    function_version = "$LATEST"
    invoked_function_arn = os.environ["E2E_FUNCTION_ARN"]
    memory_limit_in_mb = int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
    aws_request_id = "e2e-request"
    log_group_name = "/aws/lambda/e2e"
    log_stream_name = "e2e"
    def get_remaining_time_in_millis(self):
        return 60000

result = getattr(module, function_name)(json.loads(sys.stdin.read()), Context())
print("E2E-RESULT " + json.dumps(result, default=str))
"""


def emulator_implements(service: str, method: str) -> bool:
    """Whether moto's server answers `service`.`method` (its response classes define the method)."""
    try:
        module = importlib.import_module(f"moto.{service}.responses")
    except ImportError:
        return False
    return any(isinstance(value, type) and hasattr(value, method) for value in vars(module).values())


class _Resolver:
    """Enough of CloudFormation's intrinsic functions to rebuild an AwsCustomResource call."""

    def __init__(
        self,
        endpoint: str,
        profile: Profile,
        region: str,
        stack_name: str,
        template: dict[str, Any],
        physical: dict[str, dict[str, Any]],
    ) -> None:
        self.endpoint = endpoint
        self.profile = profile
        self.region = region
        self.template = template
        self.physical = physical
        self.pseudo = {
            "AWS::AccountId": profile.account,
            "AWS::Region": region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack_name,
        }

    def resolve(self, node: Any) -> Any:
        if isinstance(node, str | int | float | bool) or node is None:
            return node
        if isinstance(node, list):
            return [self.resolve(item) for item in node]
        if "Ref" in node:
            return self.ref(node["Ref"])
        if "Fn::GetAtt" in node:
            target, attribute = node["Fn::GetAtt"]
            return self.get_att(target, attribute)
        if "Fn::Join" in node:
            separator, parts = node["Fn::Join"]
            return separator.join(str(self.resolve(part)) for part in parts)
        if "Fn::Sub" in node:
            text = node["Fn::Sub"] if isinstance(node["Fn::Sub"], str) else node["Fn::Sub"][0]
            return re.sub(r"\$\{([^}]+)\}", lambda m: str(self.sub_var(m.group(1))), text)
        if len(node) == 1 and next(iter(node)).startswith("Fn::"):
            raise Unresolvable(f"intrinsic {next(iter(node))}")
        return {key: self.resolve(value) for key, value in node.items()}

    def sub_var(self, name: str) -> Any:
        if "." in name:
            target, attribute = name.split(".", 1)
            return self.get_att(target, attribute)
        return self.ref(name)

    def ref(self, name: str) -> str:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.physical:
            return str(self.physical[name]["PhysicalResourceId"])
        raise Unresolvable(f"Ref {name}")

    def get_att(self, target: str, attribute: str) -> str:
        resource_type = self.template["Resources"].get(target, {}).get("Type")
        physical_id = self.ref(target)
        if attribute == "Arn" and resource_type == "AWS::IAM::Role":
            iam = self.profile.client("iam", self.endpoint, self.region)
            return str(iam.get_role(RoleName=physical_id)["Role"]["Arn"])
        if attribute == "Arn" and resource_type == "AWS::Logs::LogGroup":
            return f"arn:aws:logs:{self.region}:{self.profile.account}:log-group:{physical_id}:*"
        if attribute == "Arn" and resource_type == "AWS::Lambda::Function":
            return f"arn:aws:lambda:{self.region}:{self.profile.account}:function:{physical_id}"
        if attribute == "Arn" and str(physical_id).startswith("arn:"):
            return physical_id
        raise Unresolvable(f"Fn::GetAtt {target}.{attribute}")


# -------------------------------------------------------------------------------------------- stacks


def stack_environments(assembly: Path) -> dict[str, tuple[str, str]]:
    """Stack name -> (account, region) from a cloud assembly's manifest."""
    manifest = json.loads((assembly / "manifest.json").read_text(encoding="utf-8"))
    envs = {}
    for name, artifact in manifest["artifacts"].items():
        if artifact["type"] == "aws:cloudformation:stack":
            account, region = artifact["environment"].removeprefix("aws://").split("/")
            envs[artifact.get("displayName", name)] = (account, region)
    return envs


def template_of(assembly: Path, stack: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((assembly / f"{stack}.template.json").read_text(encoding="utf-8"))
    return data


def resources_of(template: Mapping[str, Any], *types: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template.get("Resources", {}).items():
        if resource["Type"] in types:
            yield logical_id, resource


def python_subprocess_env(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
    env.update(extra)
    return env


def run_python(
    code: str, *, cwd: Path, env: Mapping[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """`python -I` (no PYTHONPATH, no cwd on sys.path): only what the code puts on sys.path is importable
    besides the venv's packages (the Powertools layer's stand-in)."""
    return subprocess.run(
        [str(PYTHON), "-I", "-c", code],
        cwd=cwd,
        env=dict(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
