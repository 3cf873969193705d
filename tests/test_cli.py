"""The ``lambda-metadata`` command as a user runs it: a real endpoint, real processes for the
entry points and ``serve``, and ``get`` through ``main()`` in this process."""

from __future__ import annotations

import _socket
import contextlib
import http.client
import io
import json
import os
import selectors
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from unittest import mock

import pytest

import lambda_metadata
from lambda_metadata import clear_metadata_cache
from lambda_metadata._constants import API_ENV, METADATA_PATH, TOKEN_ENV
from lambda_metadata.cli import EXIT_CODES, main
from lambda_metadata.testing import MetadataEndpoint

PYTHON_M = (sys.executable, "-m", "lambda_metadata")
SCRIPT = Path(sys.executable).with_name("lambda-metadata")
PREFIX = "lambda-metadata: error: "
WAIT = 20.0  # generous bound for a subprocess on a loaded machine; not a timed assertion


def _environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_LAMBDA_")}
    env.update(extra or {})
    return env


def run(
    *args: str, env: dict[str, str] | None = None, command: Sequence[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command with only the endpoint variables given in ``env``.

    ``get`` runs in this process through ``main()`` (its environment, streams and cache as a
    fresh process would have them: a process start costs more than the rest of the test);
    everything else, and any ``command`` given, runs in a fresh process.
    """
    if command is None and args[:1] == ("get",):
        return _run_in_process(args, env)
    return subprocess.run(
        [*(command or PYTHON_M), *args],
        capture_output=True,
        text=True,
        env=_environment(env),
        timeout=WAIT,
        check=False,
    )


def _run_in_process(
    args: tuple[str, ...], env: dict[str, str] | None
) -> subprocess.CompletedProcess[str]:
    out, err = io.StringIO(), io.StringIO()
    clear_metadata_cache()
    try:
        with (
            mock.patch.dict(os.environ, _environment(env), clear=True),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            try:
                code: object = main(list(args))
            except SystemExit as exit_:  # argparse: --help, bad arguments
                code = exit_.code
    finally:
        clear_metadata_cache()
    assert isinstance(code, int), code
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def assert_one_line_error(result: subprocess.CompletedProcess[str], *secrets: str) -> str:
    """The failure a user sees: nothing on stdout, one ``error:`` line on stderr, no secret."""
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(PREFIX)
    assert "Traceback" not in result.stderr
    for secret in secrets:
        assert secret not in result.stderr
    return lines[0][len(PREFIX) :]


@pytest.fixture
def endpoint(lambda_metadata_endpoint: MetadataEndpoint) -> MetadataEndpoint:
    return lambda_metadata_endpoint


def closed_port_address() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


# -- the command itself --------------------------------------------------------


@pytest.mark.parametrize("command", [PYTHON_M, (str(SCRIPT),)], ids=["python-m", "script"])
def test_version_from_python_m_and_the_console_script(command: Sequence[str]) -> None:
    assert SCRIPT.exists(), "the lambda-metadata console script is not installed"
    result = run("--version", command=command)
    assert result.returncode == 0
    assert result.stdout == f"lambda-metadata {lambda_metadata.__version__}\n"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), ["get", "serve", "demo", "--version"]),
        (("get",), ["--json", "--timeout", "exit codes:"]),
        (("serve",), ["--host", "--port", "--az", "--token", "--max-age"]),
        (("demo",), ["--logger", "SnapStart"]),
    ],
)
def test_help_on_every_subcommand(args: tuple[str, ...], expected: list[str]) -> None:
    result = run(*args, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: {' '.join(['lambda-metadata', *args])} ")
    for word in expected:
        assert word in result.stdout
    assert result.stderr == ""


def test_no_subcommand_is_a_usage_error() -> None:
    result = run()
    assert result.returncode == 2
    assert "usage: lambda-metadata" in result.stderr


# -- get -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "command"),
    [(("get",), None), (("get", "--timeout", "2.5"), None), (("get",), (str(SCRIPT),))],
    ids=["get", "fractional-timeout", "script"],
)
def test_get_prints_the_availability_zone_id(
    endpoint: MetadataEndpoint, args: tuple[str, ...], command: Sequence[str] | None
) -> None:
    endpoint.availability_zone_id = "euw1-az3"
    result = run(*args, env=endpoint.environ, command=command)
    assert (result.returncode, result.stdout, result.stderr) == (0, "euw1-az3\n", "")
    assert endpoint.request_count == 1


def test_get_json_prints_the_whole_response(endpoint: MetadataEndpoint) -> None:
    endpoint.extra_fields = {"FutureField": {"nested": [1, "two", None]}, "Flag": True}
    result = run("get", "--json", env=endpoint.environ)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1
    assert json.loads(result.stdout) == {
        "AvailabilityZoneID": "use1-az1",
        "FutureField": {"nested": [1, "two", None]},
        "Flag": True,
    }
    assert endpoint.token not in result.stdout


def test_get_in_process_asks_the_endpoint_each_time(
    endpoint: MetadataEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint.availability_zone_id = "apne1-az4"
    assert main(["get"]) == 0
    assert capsys.readouterr() == ("apne1-az4\n", "")
    endpoint.availability_zone_id = "use1-az6"
    assert main(["get", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["AvailabilityZoneID"] == "use1-az6"
    assert endpoint.request_count == 2


def test_every_exit_code_is_distinct() -> None:
    codes = list(EXIT_CODES.values())
    assert len(set(codes)) == len(codes)
    assert not {0, 1, 2} & set(codes)


@pytest.mark.parametrize(
    ("api", "code", "shown"),
    [
        (None, 3, "lambda-metadata serve"),  # outside Lambda: how to get an endpoint
        ("", 3, ""),  # only the token set
        *[(api, 4, API_ENV) for api in ["http://127.0.0.1:9001", "127.0.0.1", "127.0.0.1:99999"]],
        ("closed", 8, ""),  # a port nobody listens on: connection refused
    ],
)
def test_get_without_a_usable_endpoint(
    no_lambda_metadata: None, api: str | None, code: int, shown: str
) -> None:
    token = "config-token-0123456789"
    api = closed_port_address() if api == "closed" else api
    env = {TOKEN_ENV: token} if api == "" else {API_ENV: api, TOKEN_ENV: token} if api else {}
    result = run("get", "--timeout", "0.3", env=env)
    assert result.returncode == code
    message = assert_one_line_error(result, token)
    assert shown in message
    if api is None:
        assert API_ENV in message


def test_get_with_a_token_that_cannot_be_sent(endpoint: MetadataEndpoint) -> None:
    token = "line\nbreak-token"
    result = run("get", env={**endpoint.environ, TOKEN_ENV: token})
    assert result.returncode == 4
    assert_one_line_error(result, "break-token")
    assert endpoint.request_count == 0


def test_get_with_a_wrong_token(endpoint: MetadataEndpoint) -> None:
    wrong = "wrong-token-0123456789abcdef"
    result = run("get", env={**endpoint.environ, TOKEN_ENV: wrong})
    assert result.returncode == 5
    message = assert_one_line_error(result, wrong, endpoint.token)
    assert "401" in message


@pytest.mark.parametrize("status", [404, 405, 501])
def test_get_when_the_endpoint_answers_another_status(
    endpoint: MetadataEndpoint, status: int
) -> None:
    endpoint.impair(status=status)
    result = run("get", env=endpoint.environ)
    assert result.returncode == 6
    assert str(status) in assert_one_line_error(result, endpoint.token)
    assert endpoint.request_count == 1  # not retried


@pytest.mark.parametrize("status", [500, 503])  # 503: also AWS's emulator before it is ready
def test_get_when_the_endpoint_keeps_failing(endpoint: MetadataEndpoint, status: int) -> None:
    endpoint.impair(status=status)
    result = run("get", "--timeout", "0.3", env=endpoint.environ)
    assert result.returncode == 6
    message = assert_one_line_error(result, endpoint.token)
    assert str(status) in message
    assert "attempts" in message
    assert endpoint.request_count > 1


def test_get_timeout(endpoint: MetadataEndpoint) -> None:
    endpoint.impair(delay=2.0)
    result = run("get", "--timeout", "0.2", env=endpoint.environ)
    assert result.returncode == 7
    assert "deadline" in assert_one_line_error(result, endpoint.token)


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", b"{}", b'{"AvailabilityZoneID": ""}', b"x" * 9000]
)
def test_get_invalid_response(endpoint: MetadataEndpoint, body: bytes) -> None:
    endpoint.body = body
    result = run("get", env=endpoint.environ)
    assert result.returncode == 9
    assert_one_line_error(result, endpoint.token)


# -- serve -----------------------------------------------------------------------


class Served:
    """A ``lambda-metadata serve`` process and the variables it printed."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [*PYTHON_M, "serve", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_environment(),
        )
        try:
            self.environ = self._read_exports()
        except BaseException:
            self.kill()  # a failed start must not leave a server behind
            raise

    def _read_exports(self) -> dict[str, str]:
        """Parse the two export lines as a shell would, without waiting for the process to end."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        printed = b""
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            deadline = time.monotonic() + WAIT
            while printed.count(b"\n") < 2:
                if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                    pytest.fail(f"serve printed no export lines, only {printed!r}")
                chunk = os.read(fd, 4096)
                if not chunk:
                    pytest.fail(f"serve exited after printing {printed!r}")
                printed += chunk
        exports: dict[str, str] = {}
        for line in printed.decode().splitlines():
            words = shlex.split(line)
            assert len(words) == 2
            assert words[0] == "export"
            name, _, value = words[1].partition("=")
            exports[name] = value
        return exports

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str, str]:
        self.process.send_signal(signum)
        out, err = self.process.communicate(timeout=WAIT)
        return self.process.returncode, out.decode(), err.decode()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


@pytest.fixture
def serve() -> Iterator[type[Served]]:
    started: list[Served] = []

    class Tracked(Served):
        def __init__(self, *args: str) -> None:
            super().__init__(*args)
            started.append(self)

    yield Tracked
    for served in started:
        served.kill()


def test_serve_prints_the_exports_and_answers_with_them(
    serve: type[Served], monkeypatch: pytest.MonkeyPatch
) -> None:
    served = serve("--az", "euw1-az2")
    assert set(served.environ) == {API_ENV, TOKEN_ENV}
    host, _, port = served.environ[API_ENV].partition(":")
    assert host == "127.0.0.1"
    assert int(port) > 0

    for name, value in served.environ.items():
        monkeypatch.setenv(name, value)
    lambda_metadata.clear_metadata_cache()
    try:
        assert lambda_metadata.get_lambda_metadata().availability_zone_id == "euw1-az2"
    finally:
        lambda_metadata.clear_metadata_cache()

    result = run("get", env=served.environ)
    assert (result.returncode, result.stdout) == (0, "euw1-az2\n")

    code, out, err = served.stop()
    assert code == 0
    assert out == ""
    assert "Traceback" not in err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_cleanly_on_a_signal(serve: type[Served], signum: int) -> None:
    served = serve()
    code, _, err = served.stop(signum)
    assert code == 0
    assert "Traceback" not in err
    assert f"stopped by {signal.Signals(signum).name}" in err
    # The port is released: nobody answers there any more.
    result = run("get", "--timeout", "0.3", env=served.environ)
    assert result.returncode == 8


def test_serve_with_a_given_token_port_and_max_age(serve: type[Served]) -> None:
    token = "it's-$HOME-`x`"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    served = serve("--token", token, "--port", str(port), "--max-age", "60")
    assert served.environ == {API_ENV: f"127.0.0.1:{port}", TOKEN_ENV: token}

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    try:
        connection.request("GET", METADATA_PATH, headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Cache-Control") == "private, max-age=60, immutable"
        assert json.loads(response.read()) == {"AvailabilityZoneID": "use1-az1"}
    finally:
        connection.close()
    assert served.stop()[0] == 0


def test_serve_export_lines_work_in_a_real_shell(serve: type[Served], tmp_path: Path) -> None:
    token = "quote'and$dollar"
    served = serve("--token", token)
    exports = tmp_path / "exports.sh"
    exports.write_text(
        "".join(f"export {name}={shlex.quote(value)}\n" for name, value in served.environ.items())
    )
    shell = subprocess.run(
        ["sh", "-c", f'. "{exports}" && printf %s "${TOKEN_ENV}"'],
        capture_output=True,
        text=True,
        check=True,
        timeout=WAIT,
        env=_environment(),
    )
    assert shell.stdout == token
    served.stop()


def test_serve_cannot_listen(no_lambda_metadata: None) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port))
    assert result.returncode == 1
    assert "cannot listen on 127.0.0.1 port" in assert_one_line_error(result)


def test_serve_warns_when_not_on_loopback(no_lambda_metadata: None) -> None:
    # 192.0.2.1 is TEST-NET-1, never assigned to this machine: the warning is
    # printed, then listening fails, and nothing is ever exposed.
    result = run("serve", "--host", "192.0.2.1")
    assert result.returncode == 1
    warning, error = result.stderr.splitlines()
    assert warning.startswith("lambda-metadata: warning: 192.0.2.1 is not a loopback address")
    assert error.startswith(PREFIX)
    assert result.stdout == ""


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.0.0.2"])
def test_serve_does_not_warn_on_loopback(serve: type[Served], host: str) -> None:
    served = serve("--host", host)
    _, _, err = served.stop()
    assert "warning" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["--port", "70000"],
        ["--port", "-1"],
        ["--port", "http"],
        ["--max-age", "-5"],
        ["--max-age", "1.5"],
        ["--az", ""],
        ["--token", ""],
        ["--token", "two words"],
        ["--token", "caf\u00e9"],
        ["--token", "euro\u20ac"],
        ["--az", "use1-az1\nforged"],
        ["--az", "use1 az1"],
        ["--az", "x" * 65],
    ],
)
def test_serve_rejects_bad_arguments(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", *args])
    assert exited.value.code == 2
    assert "usage: lambda-metadata serve" in capsys.readouterr().err


# -- the docs say what the command does ------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def documented_exit_codes() -> dict[int, tuple[str, str]]:
    """``code: (meaning, error class name)`` from the exit code table of docs/cli.md."""
    rows = {}
    for line in DOCS.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].isdigit():
            rows[int(cells[0])] = (cells[1].replace("`", ""), cells[2].strip("`"))
    return rows


def test_documented_exit_codes_match_the_command() -> None:
    documented = documented_exit_codes()
    help_text = run("get", "--help").stdout
    helped = help_text.split("exit codes:\n", 1)[1].splitlines()
    assert [f"{code:>3}  {meaning}" for code, (meaning, _) in documented.items()] == [
        f"{line.split(maxsplit=1)[0]:>3}  {line.split(maxsplit=1)[1]}" for line in helped
    ]
    for error, code in EXIT_CODES.items():
        assert documented[code][1] == error.__name__
        assert getattr(lambda_metadata.errors, error.__name__) is error


# -- output to a closed pipe, and JSON that must stay JSON ---------------------------------------


@pytest.mark.parametrize(
    "args", [("get",), ("get", "--json"), ("demo",)], ids=["get", "get --json", "demo"]
)
def test_a_closed_output_pipe_ends_quietly_with_141(
    endpoint: MetadataEndpoint, args: tuple[str, ...]
) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # as `| true` and `| head` do, before or while the command writes
    try:
        done = subprocess.run(
            [*PYTHON_M, *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=_environment(endpoint.environ),
            timeout=WAIT,
            check=False,
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, "")


@pytest.mark.parametrize(
    ("body", "code"), [(b"NaN", 9), (b"Infinity", 9), (b"1e999", 9), (b"1e308", 0)]
)
def test_get_json_prints_strict_json_or_one_line(
    endpoint: MetadataEndpoint, body: bytes, code: int
) -> None:
    endpoint.body = b'{"AvailabilityZoneID": "use1-az1", "x": %s}' % body
    result = run("get", "--json", env=endpoint.environ)
    assert result.returncode == code
    if code:
        assert_one_line_error(result, endpoint.token)
    else:
        assert json.loads(result.stdout, parse_constant=pytest.fail) == {
            "AvailabilityZoneID": "use1-az1",
            "x": 1e308,
        }


def test_get_when_the_kernel_gives_up_connecting(
    endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    class KernelTimesOut(_socket.socket):
        def connect(self, address: object) -> None:
            raise TimeoutError(110, os.strerror(110))  # ETIMEDOUT, after about 130 s of SYNs

    monkeypatch.setattr(_socket, "socket", KernelTimesOut)
    result = run("get", "--timeout", "0.2", env=endpoint.environ)
    assert result.returncode == 8
    assert "TimeoutError" in assert_one_line_error(result, endpoint.token)
