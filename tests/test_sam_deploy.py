"""The SAM example as it deploys (``-m sam``, with ``uv run --with`` aws-sam-translator and
cfn-lint): its template SAM-transformed and linted, and ``examples/sam-app/README.md``'s commands
run in a copy of this checkout (``sam build`` through ``uv tool run``, a ``python3.13`` on the
``PATH``): the function built holds this checkout's package."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import ROOT, load_module, run

import lambda_metadata

APP = ROOT / "examples" / "sam-app"
SAM_CLI = "aws-sam-cli>=1.130,<2"
VPC_POLICY = "AWSLambdaVPCAccessExecutionRole"


@pytest.fixture(scope="module")
def lint_template() -> ModuleType:
    pytest.importorskip("samtranslator", reason="uv run --with aws-sam-translator")
    pytest.importorskip("cfnlint", reason="uv run --with cfn-lint")
    return load_module(ROOT / "scripts" / "lint_template.py")


@pytest.fixture(scope="module")
def transformed(lint_template: ModuleType) -> dict[str, Any]:
    result: dict[str, Any] = lint_template.transform(lint_template.load(APP / "template.yaml"))
    return result


def resolve(value: Any, conditions: Mapping[str, bool]) -> Any:
    """``value`` with each ``Fn::If`` decided and ``AWS::NoValue`` dropped (``None``)."""
    if isinstance(value, dict):
        if set(value) == {"Fn::If"}:
            name, then, otherwise = value["Fn::If"]
            return resolve(then if conditions[name] else otherwise, conditions)
        if value == {"Ref": "AWS::NoValue"}:
            return None
        return {k: r for k, v in value.items() if (r := resolve(v, conditions)) is not None}
    if isinstance(value, list):
        return [r for v in value if (r := resolve(v, conditions)) is not None]
    return value


SAM_ADDS_IT_TOO = f"""
Transform: AWS::Serverless-2016-10-31
Parameters:
  SubnetIds: {{Type: CommaDelimitedList, Default: ""}}
Conditions:
  InVpc: !Not [!Equals [!Join ["", !Ref SubnetIds], ""]]
Resources:
  Function:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.13
      VpcConfig: !If
        - InVpc
        - {{SubnetIds: !Ref SubnetIds, SecurityGroupIds: [sg-0123456789abcdef0]}}
        - !Ref AWS::NoValue
      Policies:
        - !If [InVpc, "arn:aws:iam::aws:policy/service-role/{VPC_POLICY}", !Ref AWS::NoValue]
"""


@pytest.mark.sam
def test_the_example_lints_clean_as_transformed_where_sam_adds_what_it_adds(
    lint_template: ModuleType, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A role in a VPC listing the VPC policy lists it twice once SAM adds it to the role it
    generates too (cfn-lint's E3037): only the transformed template shows it."""
    assert lint_template.main([str(APP / "template.yaml")]) == 0
    out = capsys.readouterr().out
    assert "SAM-transformed" in out
    assert "0 cfn-lint finding(s)" in out
    template = tmp_path / "template.yaml"
    template.write_text(SAM_ADDS_IT_TOO)
    assert lint_template.lint(lint_template.load(template)) == []  # untransformed: unseen
    findings = lint_template.lint(lint_template.transform(lint_template.load(template)))
    assert any("E3037" in finding for finding in findings), findings


@pytest.mark.sam
@pytest.mark.parametrize("in_vpc", [False, True])
@pytest.mark.parametrize("az_names", [False, True])
def test_the_role_has_vpc_and_ec2_permissions_only_when_asked(
    transformed: dict[str, Any], in_vpc: bool, az_names: bool
) -> None:
    resources = transformed["Resources"]
    roles = {name: r for name, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
    assert list(roles) == ["AzFunctionRole"]  # the template's own: SAM generated none
    function = resources["AzFunction"]["Properties"]
    assert function["Role"] == {"Fn::GetAtt": ["AzFunctionRole", "Arn"]}

    conditions = {"InVpc": in_vpc, "UseAzNames": az_names}
    role = resolve(roles["AzFunctionRole"]["Properties"], conditions)
    managed = json.dumps(role.get("ManagedPolicyArns", []))
    assert managed.count(VPC_POLICY) == (1 if in_vpc else 0)
    assert ("VpcConfig" in resolve(function, conditions)) is in_vpc
    statements = [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]
    listed = [s["Action"] if isinstance(s["Action"], list) else [s["Action"]] for s in statements]
    actions = sorted(action for each in listed for action in each)
    expected = ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert actions == sorted(expected + (["ec2:DescribeAvailabilityZones"] if az_names else []))
    [logs] = [s for s in statements if s["Action"] == expected]
    assert logs["Resource"] == {"Fn::GetAtt": ["AzFunctionLogGroup", "Arn"]}  # no logs:* on *


# -- sam build, as examples/sam-app/README.md gives it -------------------------------------------


def readme_commands() -> list[str]:
    [block] = re.findall(r"```console\n(.*?)```", (APP / "README.md").read_text(), re.DOTALL)
    return [line.strip() for line in block.splitlines() if line.strip()]


def test_every_guide_gives_the_same_build_commands() -> None:
    assert readme_commands() == [
        "uv build",
        "cd examples/sam-app",
        "sam build && sam deploy --guided",
    ]
    deploy = (ROOT / "docs" / "deploy.md").read_text()
    assert "uv build\ncd examples/sam-app\nsam build && sam deploy --guided\n" in deploy
    readme = (ROOT / "README.md").read_text()
    assert "`uv build` here, then\n`sam build && sam deploy --guided` in `examples/sam-app`" in (
        readme
    )


@pytest.mark.sam
def test_sam_build_as_the_readme_gives_it_packs_this_checkout(tmp_path: Path) -> None:
    python313 = load_module(ROOT / "scripts" / "build_layer.py").interpreter("3.13")
    if shutil.which("uv") is None or python313 is None:
        pytest.skip("the guide's commands run uv, and sam build for python3.13 a Python 3.13")
    if not (Path(python313).parent / "python3.13").exists():
        pytest.skip(f"no python3.13 beside {python313}")
    # the checkout without what is built or cached in it (dist/, .venv/, .aws-sam/, ...)
    ignore = [".git", ".venv", "dist", "site", ".aws-sam", "__pycache__", "*.pyc", ".*_cache"]
    cwd = tmp_path / "checkout"
    shutil.copytree(ROOT, cwd, ignore=shutil.ignore_patterns(*ignore, ".mutation"))
    unset = ("VIRTUAL_ENV", "PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_NO_INDEX")  # not a user's
    env = {name: value for name, value in os.environ.items() if name not in unset}
    env["PATH"] = os.pathsep.join([str(Path(python313).parent), os.environ.get("PATH", "")])
    env |= {"SAM_CLI_TELEMETRY": "0", "UV_NO_PROGRESS": "1"}
    for line in readme_commands():
        if line.startswith("cd "):
            cwd = cwd / line.removeprefix("cd ")
            continue
        command = line.split(" && ")[0].split()  # `sam deploy` needs an AWS account: not run
        if command[0] == "sam":
            command = ["uv", "tool", "run", "--from", SAM_CLI, *command]
        run(*command, cwd=cwd, env=env, timeout=900)

    built = cwd / ".aws-sam" / "build" / "AzFunction"
    assert (built / "app.py").read_bytes() == (APP / "src" / "app.py").read_bytes()
    source = Path(lambda_metadata.__file__).parent
    ours = sorted(
        p.relative_to(source)
        for p in source.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )
    assert Path("__init__.py") in ours
    assert Path("py.typed") in ours
    for relative in ours:
        shipped = built / "lambda_metadata" / relative
        assert shipped.read_bytes() == (source / relative).read_bytes(), relative
    [dist_info] = built.glob("lambda_metadata-*.dist-info")
    assert dist_info.name == f"lambda_metadata-{lambda_metadata.__version__}.dist-info"
    # Architecture's default is arm64: the compiled dependency is the aarch64 build.
    [extension] = (built / "wrapt").glob("_wrappers*.so")
    assert extension.read_bytes()[18:20] == (183).to_bytes(2, "little"), extension  # EM_AARCH64
