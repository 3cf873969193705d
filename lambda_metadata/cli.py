"""The ``lambda-metadata`` command: ``get``, ``serve`` (a local endpoint) and ``demo``.

Output meant for scripts goes to stdout, everything meant for a person to stderr.
This module is never imported by ``import lambda_metadata``.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Mapping, Sequence

from . import __version__, errors
from ._constants import (
    API_ENV,
    AZ_ID_RULE,
    DEFAULT_TIMEOUT,
    TOKEN_RULE,
    check_timeout,
    is_valid_az_id,
    is_valid_token,
)
from .errors import LambdaMetadataError, MetadataHTTPError

__all__ = ["EXIT_CODES", "main"]

PROG = "lambda-metadata"
EXIT_CLOSED_PIPE = 141
"""Whatever reads the output closed it early (``| head -1``): 128 + SIGPIPE, as for any tool
that the signal stops, and no traceback."""

_EXITS: list[tuple[int, str, type[LambdaMetadataError] | None]] = [
    (0, "success", None),
    (1, "another error", None),
    (2, "bad arguments", None),
    (3, "not in Lambda: an endpoint variable is not set", errors.MetadataUnavailableError),
    (
        4,
        "invalid configuration: the variables are set but unusable",
        errors.InvalidEndpointConfigError,
    ),
    (5, "unauthorized: the endpoint answered 401 to the token", None),
    (6, "HTTP error: another status (5xx after retries, 405, ...)", MetadataHTTPError),
    (7, "timeout: no complete answer within --timeout", errors.MetadataTimeoutError),
    (8, "connection: the endpoint could not be reached", errors.MetadataConnectionError),
    (9, "invalid response: the body is not the expected JSON", errors.InvalidMetadataError),
    (130, "interrupted by Ctrl-C", None),
    (EXIT_CLOSED_PIPE, "the output was closed early, by a reader such as head", None),
]
EXIT_CODES: Mapping[type[LambdaMetadataError], int] = {kind: n for n, _, kind in _EXITS if kind}
"""``get``'s exit code per kind of failure; a 401 exits 5, any other error 1."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (``sys.argv[1:]`` by default); return the exit code.

    ``--help``, ``--version`` and bad arguments raise ``SystemExit`` as argparse does.
    """
    arguments = _parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = arguments.run
    try:
        code = run(arguments)
        sys.stdout.flush()  # here, not at exit, where a closed pipe prints a traceback
    except BrokenPipeError:
        import os

        with contextlib.suppress(OSError, ValueError):  # ValueError: no descriptor (in-process)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # what is left: nowhere
        return EXIT_CLOSED_PIPE
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Read the AWS Lambda metadata endpoint, or run a local one."
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    parsers = {}
    for name, run, text in [
        ("get", _get, "print this execution environment's Availability Zone ID"),
        ("serve", _serve, "run a local endpoint until Ctrl-C or SIGTERM, export lines on stdout"),
        ("demo", _demo, "watch a decorated function through init, calls and a SnapStart restore"),
    ]:
        parsers[name] = commands.add_parser(name, help=text, description=text)
        parsers[name].set_defaults(run=run)
    get = parsers["get"]
    get.epilog = "exit codes:\n" + "\n".join(f"  {n}  {text}" for n, text, _ in _EXITS)
    get.formatter_class = argparse.RawDescriptionHelpFormatter
    get.add_argument("--json", action="store_true", help="print the whole JSON response instead")
    get.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"overall deadline in seconds, retries included (default: {DEFAULT_TIMEOUT:g})",
    )
    for name, default, check, rule, text in [
        ("--host", "127.0.0.1", None, "", "address to listen on; not loopback: a warning"),
        ("--port", "0", _is_port, "a port number from 0 to 65535", "port; 0: any free one"),
        ("--az", "use1-az1", is_valid_az_id, AZ_ID_RULE, "Availability Zone ID to answer"),
        ("--token", "", is_valid_token, TOKEN_RULE, "bearer token to require; default: random"),
        ("--max-age", "43200", _is_whole, "whole seconds, 0 or more", "Cache-Control max-age"),
    ]:
        kind = _rule(check, rule, int if name in ("--port", "--max-age") else str)
        text += f" (default: {default})" if default else ""
        parsers["serve"].add_argument(name, default=default or None, type=kind, help=text)
    parsers["demo"].add_argument(
        "--logger",
        choices=("auto", "powertools", "stdlib"),
        default="auto",
        help="log with a Powertools Logger (auto: when installed) or the standard library",
    )
    return parser


def _get(arguments: argparse.Namespace) -> int:
    from ._cache import get_lambda_metadata
    from ._model import thaw

    try:
        metadata = get_lambda_metadata(refresh=True, timeout=arguments.timeout)
    except LambdaMetadataError as exc:
        _say(f"error: {exc}")
        if isinstance(exc, MetadataHTTPError) and exc.status_code == 401:
            return 5
        return next((code for kind, code in EXIT_CODES.items() if isinstance(exc, kind)), 1)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug of ours: still one line, never a traceback or the token
        _say(f"error: unexpected {exc.__class__.__name__}; please report it")
        return 1
    if not arguments.json:
        print(metadata.availability_zone_id)
        return 0
    import json

    try:
        print(json.dumps(thaw(metadata.raw), allow_nan=False))
    except ValueError:  # a number too large for a float (1e999) was read as infinity
        _say(
            "error: the endpoint's response holds a number out of a float's range, which "
            "cannot be printed back as JSON"
        )
        return EXIT_CODES[errors.InvalidMetadataError]
    return 0


def _serve(arguments: argparse.Namespace) -> int:
    import ipaddress
    import shlex
    import signal

    from .testing import MetadataEndpoint

    host = arguments.host
    try:
        loopback = host.lower() == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        _say(
            f"warning: {host} is not a loopback address, so other machines may reach this "
            "emulator; keep the default 127.0.0.1 unless a container or VM must reach it"
        )
    stops = {signal.SIGINT, signal.SIGTERM}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, stops)  # the server's thread inherits it
    endpoint = MetadataEndpoint(
        availability_zone_id=arguments.az,
        token=arguments.token,
        host=host,
        port=arguments.port,
        max_age=arguments.max_age,
    )
    try:
        try:
            endpoint.start()
        except OSError as exc:
            _say(f"error: cannot listen on {host} port {arguments.port}: {exc.strerror or exc}")
            return 1
        with endpoint:
            environ = endpoint.environ
            address, _, port = environ[API_ENV].rpartition(":")
            if address == "0.0.0.0":  # noqa: S104 (the wildcard: a shell here uses loopback)
                environ[API_ENV] = f"127.0.0.1:{port}"
            for name, value in environ.items():
                print(f"export {name}={shlex.quote(value)}", flush=True)
            _say(
                f"serving {arguments.az!r} at http://{endpoint.address}; "
                "stop with Ctrl-C or SIGTERM"
            )
            _say(f"stopped by {signal.Signals(signal.sigwait(stops)).name}")
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    return 0


def _demo(arguments: argparse.Namespace) -> int:
    import importlib.util

    from ._demo import run_demo

    if arguments.logger == "powertools" and not importlib.util.find_spec("aws_lambda_powertools"):
        _say(
            'error: --logger powertools needs Powertools: pip install "lambda-metadata[powertools]"'
        )
        return 1
    return run_demo(logger_kind=arguments.logger)


def _seconds(text: str) -> float:
    try:
        value = float(text)
        check_timeout(value, "--timeout")  # the library's one rule: the two never disagree
    except ValueError as exc:  # InvalidArgumentError is one too
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _rule(check: Callable[[str], bool] | None, rule: str, kind: type) -> Callable[[str], object]:
    def parse(text: str) -> object:
        if check is not None and not check(text):  # never echoed: it may be a token
            raise argparse.ArgumentTypeError(f"must be {rule}")
        return kind(text)

    return parse


def _is_whole(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _is_port(text: str) -> bool:
    return _is_whole(text) and int(text) <= 65535


def _say(message: str) -> None:
    print(f"{PROG}: {' '.join(message.split())}", file=sys.stderr, flush=True)
