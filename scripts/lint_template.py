"""Lint the templates as CloudFormation will deploy them: SAM-transformed offline, then cfn-lint.

    uv run --with "cfn-lint>=1.54,<2" --with "aws-sam-translator>=1.95,<2" \
        python scripts/lint_template.py [TEMPLATE ...] [--output out.json]

By default: the SAM example and the impaired-AZ alarms of the docs. A template without the
``AWS::Serverless`` transform goes to cfn-lint as it is: cfn-lint runs CloudFormation's own
``AWS::LanguageExtensions`` transform (``Fn::ForEach``) and checks the resources it makes.

cfn-lint 1.54 and later no longer run the SAM transform, so what they check of
``AWS::Serverless::*`` resources is not what SAM hands to CloudFormation: the role
SAM generates, its policies, the version and the alias. This script runs the transform itself
with aws-sam-translator (the library behind CloudFormation's ``AWS::Serverless`` transform),
without AWS credentials or network (no managed policy is looked up by name: the template gives
ARNs), then lints the transformed template with cfn-lint, which checks it under every
combination of the template's conditions. ``--output`` keeps the transformed template.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "examples" / "sam-app" / "template.yaml"
TEMPLATES = (TEMPLATE, ROOT / "docs" / "examples" / "impaired_az.yaml")
SERVERLESS = "AWS::Serverless-2016-10-31"
REGION = "us-east-1"
"""The transform fills in ``AWS::Region`` and ``AWS::Partition``; any commercial region does."""


class _NoManagedPolicies:
    """aws-sam-translator's policy loader, offline: a policy given by name would need IAM."""

    def load(self) -> dict[str, str]:
        raise SystemExit(
            "lint_template: a policy is named without its ARN, which needs IAM to look up: "
            "give the ARN"
        )


def load(path: Path) -> dict[str, Any]:
    """The template as plain data, CloudFormation's short forms (``!If``, ``!Ref``) expanded."""
    from cfnlint.decode import decode

    template, matches = decode(str(path))
    if matches or template is None:
        raise SystemExit("\n".join(str(match) for match in matches) or f"cannot read {path}")
    loaded: dict[str, Any] = json.loads(json.dumps(template))
    return loaded


def packaged(template: dict[str, Any]) -> dict[str, Any]:
    """The template as ``sam deploy`` sends it: local code paths become S3 addresses.

    ``sam deploy`` uploads each local ``CodeUri``/``ContentUri`` and writes its S3 address in
    their place; the transform accepts nothing else. The address here is a placeholder.
    """
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            location = properties.get(key)
            if isinstance(location, str) and not location.startswith("s3://"):
                properties[key] = f"s3://sam-deploy-uploads/{location.strip('/') or 'code'}.zip"
    return template


def transform(template: dict[str, Any]) -> dict[str, Any]:
    """What SAM deploys: the packaged template through aws-sam-translator, default parameters.

    A template without SAM's transform is returned as it is.
    """
    if not uses_sam(template):
        return template
    from samtranslator.translator.transform import transform as sam_transform

    template = packaged(template)
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)  # read by the translator's session
    transformed: dict[str, Any] = sam_transform(template, {}, _NoManagedPolicies())
    return transformed


def uses_sam(template: dict[str, Any]) -> bool:
    """Whether the template names SAM's transform."""
    transforms = template.get("Transform", [])
    return SERVERLESS in ([transforms] if isinstance(transforms, str) else transforms)


def lint(transformed: dict[str, Any]) -> list[str]:
    """cfn-lint's findings on the transformed template, one line each."""
    from cfnlint.api import lint as cfn_lint

    return [str(match) for match in cfn_lint(json.dumps(transformed, indent=1), regions=[REGION])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("templates", nargs="*", type=Path, default=list(TEMPLATES))
    parser.add_argument("--output", type=Path, help="write the transformed template here (one)")
    args = parser.parse_args(argv)
    if args.output and len(args.templates) != 1:
        parser.error("--output takes one template")
    failed = 0
    for path in args.templates:
        template = load(path)
        how = "SAM-transformed" if uses_sam(template) else "transformed by cfn-lint"
        transformed = transform(template)
        if args.output:
            args.output.write_text(json.dumps(transformed, indent=2) + "\n")
        findings = lint(transformed)
        for finding in findings:
            print(finding)
        resources = ", ".join(sorted(transformed["Resources"]))
        print(
            f"lint_template: {os.path.relpath(path)}, {how} ({resources}): "
            f"{len(findings)} cfn-lint finding(s)"
        )
        failed += bool(findings)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
