"""A nested stack whose template was rendered without CDK (config/unit_templates.py): the template is
written into the cloud assembly as a file asset and an `AWS::CloudFormation::Stack` points at it, the way
CDK's own NestedStack does, but with no construct per resource inside."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from constructs import Construct

from config.unit_templates import template_text


@dataclass(frozen=True)
class NestedTemplateHost:
    """Where a stack's nested templates go, read once per stack (each read is a jsii round trip)."""

    outdir: Path
    artifact_id: str
    synthesizer: cdk.IStackSynthesizer

    @classmethod
    def of(cls, stack: cdk.Stack) -> NestedTemplateHost:
        outdir = Path(cdk.Stage.of(stack).outdir)  # type: ignore[union-attr]
        outdir.mkdir(parents=True, exist_ok=True)
        return cls(outdir, stack.artifact_id, stack.synthesizer)


class TemplateNestedStack(Construct):
    """`.stack` is the `AWS::CloudFormation::Stack`; `.template_file` the file in the assembly."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        template: Mapping[str, Any],
        parameters: Mapping[str, str],
        host: NestedTemplateHost | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        host = host or NestedTemplateHost.of(cdk.Stack.of(self))
        text = template_text(template).encode("utf-8")
        digest = hashlib.sha256(text).hexdigest()
        self.template_file = f"{host.artifact_id}.{construct_id}.{digest[:12]}.nested.template.json"
        (host.outdir / self.template_file).write_bytes(text)
        location = host.synthesizer.add_file_asset(
            file_name=self.template_file,
            packaging=cdk.FileAssetPackaging.FILE,
            source_hash=digest,
        )
        self.stack = cdk.CfnStack(
            self, "Stack", template_url=location.http_url, parameters=dict(parameters) or None
        )
