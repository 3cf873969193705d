"""The ``lambda-metadata`` command as a user runs it: a real endpoint, real processes for the
entry points, ``serve`` and ``demo`` (its output parsed), and ``get`` mostly through ``main()``
in this process, with the environment and cache a fresh process has."""

from __future__ import annotations

import _socket
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from unittest import mock

import conftest
import pytest

import lambda_metadata
from lambda_metadata import __version__ as version
from lambda_metadata._constants import API_ENV, METADATA_PATH, TOKEN_ENV
from lambda_metadata.cli import EXIT_CODES, main
from lambda_metadata.testing import MetadataEndpoint

PYTHON_M = (sys.executable, "-m", "lambda_metadata")
SCRIPT = (str(Path(sys.executable).with_name("lambda-metadata")),)
ERROR = "lambda-metadata: error: "
WAIT = 30.0  # generous bound for a subprocess on a loaded machine (a demo: a few seconds)
NAMES = (API_ENV, TOKEN_ENV)


def clean_env(environ: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """This environment without the Lambda variables, then ``environ`` (``None``: unset)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_LAMBDA_")}
    return {k: v for k, v in {**env, **(environ or {})}.items() if v is not None}


def run(
    *args: str, env: Mapping[str, str | None] | None = None, command: tuple[str, ...] = PYTHON_M
) -> subprocess.CompletedProcess[str]:
    """The command in a fresh process, with only the endpoint variables of ``env``."""
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, env=clean_env(env), timeout=WAIT
    )


def one_line_error(out: str, err: str, *secrets: str) -> str:
    """The failure a user sees: nothing on stdout, one ``error:`` line on stderr, no secret."""
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith(ERROR)
    for secret in secrets:
        assert secret not in err
    return line[len(ERROR) :]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


BAD_ARGUMENTS = {
    "--port": ["70000", "-1", "http"],
    "--max-age": ["-5", "1.5"],
    "--az": ["", "use1-az1\nforged", "use1 az1", "x" * 65],
    "--token": ["", "two words", "caf\u00e9", "euro\u20ac"],
}


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        ((), 2, []),  # no subcommand
        (("--help",), 0, ["get", "serve", "demo", "--version"]),
        (("get", "--help"), 0, ["--json", "--timeout", "exit codes:"]),
        (("serve", "--help"), 0, ["--host", "--port", "--az", "--token", "--max-age"]),
        (("demo", "--help"), 0, ["--logger", "SnapStart"]),
        *[(("serve", name, value), 2, []) for name, bad in BAD_ARGUMENTS.items() for value in bad],
    ],
)
def test_help_on_every_subcommand_and_usage_errors(
    args: tuple[str, ...], code: int, words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    assert exited.value.code == code
    text = err if code else out
    command = [arg for arg in args[:1] if not arg.startswith("-")]
    assert text.startswith(f"usage: {' '.join(['lambda-metadata', *command])} ")
    assert [word for word in words if word not in text] == []
    assert (out if code else err) == ""


# -- get: every outcome, its exit code and what it prints ------------------------------------


class KernelTimesOut(_socket.socket):
    def connect(self, address: object) -> None:
        raise TimeoutError(110, os.strerror(110))  # ETIMEDOUT, after about 130 s of SYNs


ONE, NONE, RETRIED, ANY = range(1, 2), range(1), range(2, 99), range(99)
JSON = b'{"AvailabilityZoneID": "use1-az1", "x": %s}'
EXTRA = {"FutureField": {"nested": [1, "two", None]}, "Flag": True}
BAD_APIS = ["http://127.0.0.1:9001", "127.0.0.1", "127.0.0.1:99999"]
BAD_BODIES = [b"not json", b"[1, 2]", b"{}", b'{"AvailabilityZoneID": ""}', b"x" * 9000]
GET = [  # setup (variables, attributes, impair options, socket), arguments, code, output, requests
    ({"availability_zone_id": "euw1-az3"}, "", 0, "euw1-az3\n", ONE),
    ({"availability_zone_id": "euw1-az3"}, "--timeout 2.5", 0, "euw1-az3\n", ONE),
    ({"extra_fields": EXTRA}, "--json", 0, {"AvailabilityZoneID": "use1-az1", **EXTRA}, ONE),
    ({"body": JSON % b"1e308"}, "--json", 0, {"AvailabilityZoneID": "use1-az1", "x": 1e308}, ONE),
    *[({"body": JSON % body}, "--json", 9, "", ONE) for body in [b"NaN", b"Infinity", b"1e999"]],
    ({API_ENV: None, TOKEN_ENV: None}, "", 3, f"{API_ENV} .*lambda-metadata serve", NONE),
    ({API_ENV: None}, "", 3, "", NONE),  # only the token set
    *[({API_ENV: api}, "", 4, API_ENV, NONE) for api in BAD_APIS],
    ({API_ENV: "closed"}, "--timeout 0.3", 8, "", NONE),  # connection refused
    ({TOKEN_ENV: "line\nbreak-token"}, "", 4, "not shown", NONE),  # it cannot be sent
    ({TOKEN_ENV: "wrong-token-0123456789abcdef"}, "", 5, "401", ONE),
    *[({"status": status}, "", 6, str(status), ONE) for status in [404, 405, 501]],  # no retry
    *[({"status": s}, "--timeout 0.3", 6, f"{s} .* attempts", RETRIED) for s in [500, 503]],
    ({"delay": 2.0}, "--timeout 0.2", 7, "deadline", ANY),  # still held when it gives up
    ({"kernel": KernelTimesOut}, "--timeout 0.2", 8, "TimeoutError", NONE),
    *[({"body": body}, "", 9, "", ONE) for body in BAD_BODIES],
]


@pytest.mark.parametrize(("setup", "args", "code", "shown", "requests"), GET)
def test_get_prints_the_answer_or_one_line_and_its_exit_code(
    lambda_metadata_endpoint: MetadataEndpoint,
    setup: dict[str, Any],
    args: str,
    code: int,
    shown: Any,
    requests: range,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    endpoint = lambda_metadata_endpoint
    setup = dict(setup)
    if "kernel" in setup:  # the kernel gives up connecting
        monkeypatch.setattr(_socket, "socket", setup.pop("kernel"))
    environ = {**endpoint.environ, **{k: setup.pop(k) for k in (API_ENV, TOKEN_ENV) if k in setup}}
    if environ[API_ENV] == "closed":
        environ[API_ENV] = f"127.0.0.1:{free_port()}"
    if impairment := {k: setup.pop(k) for k in ("status", "delay") if k in setup}:
        endpoint.impair(**impairment)
    for name, value in setup.items():
        setattr(endpoint, name, value)
    with mock.patch.dict(os.environ, clean_env(environ), clear=True):  # as a fresh process
        assert main(["get", *args.split()]) == code
    out, err = capsys.readouterr()
    assert endpoint.request_count in requests
    assert endpoint.token not in out
    if code:
        token = str(environ.get(TOKEN_ENV))
        assert re.search(shown, one_line_error(out, err, endpoint.token, token.split("\n")[-1]))
    elif isinstance(shown, dict):  # one line of strict JSON
        [line] = out.splitlines()
        assert json.loads(line, parse_constant=pytest.fail) == shown
    else:
        assert (out, err) == (shown, "")


def test_get_asks_the_endpoint_each_time_and_both_entry_points_run(
    lambda_metadata_endpoint: MetadataEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint = lambda_metadata_endpoint
    endpoint.availability_zone_id = "apne1-az4"
    assert main(["get"]) == 0
    assert capsys.readouterr() == ("apne1-az4\n", "")
    endpoint.availability_zone_id = "use1-az6"
    assert main(["get", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"AvailabilityZoneID": "use1-az6"}
    result = run("get", env=endpoint.environ, command=SCRIPT)
    assert (result.returncode, result.stdout, result.stderr) == (0, "use1-az6\n", "")
    assert endpoint.request_count == 3
    for command in (PYTHON_M, SCRIPT):
        result = run("--version", command=command)
        assert (result.returncode, result.stdout) == (0, f"lambda-metadata {version}\n")


@pytest.mark.parametrize("args", [("get",), ("get", "--json"), ("demo",)], ids=" ".join)
def test_a_closed_output_pipe_ends_quietly_with_141(
    lambda_metadata_endpoint: MetadataEndpoint, args: tuple[str, ...]
) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # as `| true` and `| head` do, before or while the command writes
    env = clean_env(lambda_metadata_endpoint.environ)
    with os.fdopen(write_end, "w") as closed:
        done = subprocess.run([*PYTHON_M, *args], stdout=closed, stderr=-1, text=True, env=env)
    assert (done.returncode, done.stderr) == (141, "")


def test_documented_exit_codes_match_the_command() -> None:
    rows = {}  # code: (meaning, error class name), from the table of docs/cli.md
    for line in (Path(__file__).parent.parent / "docs" / "cli.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].isdigit():
            rows[int(cells[0])] = (cells[1].replace("`", ""), cells[2].strip("`"))
    helped = run("get", "--help").stdout.split("exit codes:\n", 1)[1].splitlines()
    assert [line.split(maxsplit=1) for line in helped] == [
        [str(code), meaning] for code, (meaning, _) in rows.items()
    ]
    assert len(set(EXIT_CODES.values())) == len(EXIT_CODES)
    assert not {0, 1, 2} & set(EXIT_CODES.values())
    for error, code in EXIT_CODES.items():
        assert rows[code][1] == error.__name__
        assert getattr(lambda_metadata.errors, error.__name__) is error


# -- serve ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "signum"),
    [
        ("--az euw1-az2", signal.SIGTERM),
        ("--host localhost --port FREE --token it's-$HOME-`x` --max-age 60", signal.SIGINT),
        ("--host 127.0.0.2", signal.SIGTERM),
    ],
)
def test_serve_answers_at_its_exports_until_a_signal(args: str, signum: int) -> None:
    argv = [str(free_port()) if arg == "FREE" else arg for arg in args.split()]
    option = dict(zip(argv[::2], argv[1::2], strict=True))
    process = subprocess.Popen(
        [*PYTHON_M, "serve", *argv], stdout=-1, stderr=-1, text=True, env=clean_env()
    )
    try:  # its two export lines read in a real shell, without waiting for the process to end
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in NAMES]
        assert [line.split("=")[0] for line in lines] == [f"export {name}" for name in NAMES]
        script = "".join(lines) + f'printf "%s\\n%s" "${API_ENV}" "${TOKEN_ENV}"'
        shell = conftest.run("sh", "-c", script, timeout=WAIT)  # exits 0
        environ = dict(zip(NAMES, shell.stdout.split("\n"), strict=True))
        host, _, port = environ[API_ENV].partition(":")
        assert host == ("127.0.0.2" if option.get("--host") == "127.0.0.2" else "127.0.0.1")
        assert int(port) == int(option.get("--port", port)) > 0
        token = environ[TOKEN_ENV]
        assert token == option.get("--token", token)
        result = run("get", env=environ)
        assert (result.returncode, result.stdout) == (0, f"{option.get('--az', 'use1-az1')}\n")
        connection = http.client.HTTPConnection(host, int(port), timeout=WAIT)
        connection.request("GET", METADATA_PATH, headers={"Authorization": f"Bearer {token}"})
        control = connection.getresponse().getheader("Cache-Control")
        assert control == f"private, max-age={option.get('--max-age', 43200)}, immutable"
        connection.close()
        process.send_signal(signum)
        out, err = process.communicate(timeout=WAIT)
    finally:
        if process.poll() is None:  # a failed test leaves no server behind
            process.kill()
            process.communicate()
    assert (process.returncode, out) == (0, "")
    assert "Traceback" not in err
    assert "warning" not in err  # every loopback address
    assert f"stopped by {signal.Signals(signum).name}" in err
    assert run("get", "--timeout", "0.3", env=environ).returncode == 8  # the port is released


@pytest.mark.parametrize("host", ["127.0.0.1", "192.0.2.1"])  # TEST-NET-1: never this machine
def test_serve_that_cannot_listen_prints_one_error(no_lambda_metadata: None, host: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run("serve", "--host", host, "--port", str(taken.getsockname()[1]))
    assert result.returncode == 1
    *warning, error = result.stderr.splitlines()
    one_line_error(result.stdout, error)
    assert error.startswith(f"{ERROR}cannot listen on {host} port")
    if host != "127.0.0.1":  # warned about, then never exposed
        assert warning[0].startswith(f"lambda-metadata: warning: {host} is not a loopback address")


# -- demo ---------------------------------------------------------------------------------

PHASES = ["Init", "Invocations", "SnapStart", "Restore", "Invocations after", "Summary"]


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.mark.parametrize(
    ("args", "command", "kind"),
    [
        ("demo", SCRIPT, "Powertools Logger"),  # auto: Powertools, which is installed
        ("demo --logger powertools", PYTHON_M, "Powertools Logger"),
        ("demo --logger stdlib", PYTHON_M, "standard logging"),
    ],
)
def test_demo_shows_the_az_everywhere_and_the_restore(
    args: str, command: tuple[str, ...], kind: str
) -> None:
    done = run(*args.split(), command=command)  # within WAIT
    assert (done.returncode, "Traceback" in done.stderr) == (0, False), done.stderr
    parts = re.split(r"^== ", done.stdout, flags=re.M)[1:]  # the output at its headings
    phases = {prefix: next(part for part in parts if part.startswith(prefix)) for prefix in PHASES}
    assert f"endpoint in use1-az1, {kind}" in phases["Init"]
    for phase, zone in [("Invocations", "use1-az1"), ("Invocations after", "use1-az2")]:
        logs = json_lines(phases[phase])
        assert [line["availability_zone_id"] for line in logs] == [zone] * 3
        assert phases[phase].count(f"context.lambda_metadata.availability_zone_id = {zone!r}") == 3
        assert all("function_request_id" in line for line in logs) or "stdlib" in args
    assert json_lines(phases["Init"])[0]["availability_zone_id"] == "use1-az1"
    assert json_lines(phases["SnapStart"])[0]["availability_zone_id"] == "-", "cache dropped"
    for line in json_lines(phases["SnapStart"]) + json_lines(phases["Restore"]):
        assert not {"function_request_id", "cold_start"} & set(line), "hooks run outside calls"
    summary = phases["Summary"]
    assert "requests to the endpoint: 2 (init: 1, restore: 1;" in summary
    first = float(re.search(r"first call: ([0-9.]+) ms", summary)[1])  # type: ignore[index]
    cached = float(re.search(r"cached call: ([0-9.]+) ns", summary)[1])  # type: ignore[index]
    assert first * 1e6 > cached > 0
