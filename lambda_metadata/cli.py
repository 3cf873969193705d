"""The ``lambda-metadata`` command: ``get``, ``serve`` (a local endpoint) and ``demo``.

Each subcommand is one ``_add_<name>`` function that registers its parser and
sets ``run`` to the function doing the work; ``main`` only dispatches. Output
meant for scripts goes to stdout, everything meant for a person to stderr.
This module is never imported by ``import lambda_metadata``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence

from . import __version__, errors
from ._constants import (
    API_ENV,
    AZ_ID_RULE,
    DEFAULT_TIMEOUT,
    TOKEN_ENV,
    TOKEN_RULE,
    check_timeout,
    is_valid_az_id,
    is_valid_token,
)
from .errors import LambdaMetadataError, MetadataHTTPError

__all__ = ["EXIT_CODES", "main"]

PROG = "lambda-metadata"

EXIT_OK = 0
EXIT_FAILURE = 1
"""``get``: an error of no more specific kind; ``serve``: the address cannot be listened on."""
EXIT_USAGE = 2
"""Bad arguments (argparse's own code)."""
EXIT_INTERRUPTED = 130
"""``get`` stopped by Ctrl-C (128 + SIGINT, as shells report it)."""
EXIT_CLOSED_PIPE = 141
"""Whatever reads the output closed it early (``| head -1``): 128 + SIGPIPE, as for any tool
that the signal stops, and no traceback."""

EXIT_UNAUTHORIZED = 5
"""``get``: the endpoint refused the token (a ``MetadataHTTPError`` with ``status_code`` 401)."""

EXIT_CODES: Mapping[type[LambdaMetadataError], int] = {
    errors.MetadataUnavailableError: 3,
    errors.InvalidEndpointConfigError: 4,
    MetadataHTTPError: 6,
    errors.MetadataTimeoutError: 7,
    errors.MetadataConnectionError: 8,
    errors.InvalidMetadataError: 9,
}
"""``get``'s exit code per kind of failure, a 401 apart (``EXIT_UNAUTHORIZED``)."""

_EXIT_MEANINGS = {
    0: "success",
    1: "another error",
    2: "bad arguments",
    3: "not in Lambda: an endpoint variable is not set",
    4: "invalid configuration: the variables are set but unusable",
    5: "unauthorized: the endpoint answered 401 to the token",
    6: "HTTP error: another status (5xx after retries, 405, ...)",
    7: "timeout: no complete answer within --timeout",
    8: "connection: the endpoint could not be reached",
    9: "invalid response: the body is not the expected JSON",
    130: "interrupted by Ctrl-C",
    141: "the output was closed early, by a reader such as head",
}

_DEFAULT_AZ = "use1-az1"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (``sys.argv[1:]`` by default); return the exit code.

    ``--help``, ``--version`` and bad arguments raise ``SystemExit`` as argparse does.
    """
    arguments = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = arguments.run
    try:
        code = run(arguments)
        sys.stdout.flush()  # here, not at exit, where a closed pipe prints a traceback
    except BrokenPipeError:
        _drop_stdout()
        return EXIT_CLOSED_PIPE
    return code


def _drop_stdout() -> None:
    """Send what is still buffered for stdout nowhere: the reader has gone."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout has no descriptor (replaced in-process)
        pass


def build_parser() -> argparse.ArgumentParser:
    """The parser of the whole command, one subparser per subcommand."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Read the AWS Lambda metadata endpoint, or run a local one.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    subcommands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    commands = {
        "get": (
            _add_get,
            _run_get,
            "print this execution environment's Availability Zone ID",
            f"Ask the endpoint named by {API_ENV} and\n{TOKEN_ENV} for the Availability Zone "
            "ID and print it.\nOn failure, print one line on stderr and exit with a code saying "
            "why.",
        ),
        "serve": (
            _add_serve,
            _run_serve,
            "run a local metadata endpoint in the foreground",
            "Run the emulator from lambda_metadata.testing until Ctrl-C or SIGTERM. Prints on "
            f"stdout the two lines to paste into a shell: export {API_ENV}=... and "
            f"export {TOKEN_ENV}=...; everything else goes to stderr.",
        ),
        "demo": (
            _add_demo,
            _run_demo,
            "watch a decorated function live through init, invocations and a SnapStart restore",
            "Start the endpoint emulator in this process (no AWS account, no network), run a "
            "sample handler decorated with @inject_az through a SnapStart init, invocations, a "
            "snapshot and a restore in another Availability Zone, and print the JSON log lines, "
            "the context's metadata, the requests made and the latencies.",
        ),
    }
    for name, (add_arguments, run, summary, description) in commands.items():
        command = subcommands.add_parser(name, help=summary, description=description)
        command.set_defaults(run=run)
        add_arguments(command)
    return parser


# -- get -------------------------------------------------------------------


def _add_get(parser: argparse.ArgumentParser) -> None:
    exit_lines = "\n".join(f"  {code}  {meaning}" for code, meaning in _EXIT_MEANINGS.items())
    parser.epilog = f"exit codes:\n{exit_lines}"
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the endpoint's whole JSON response instead, with any fields AWS adds",
    )
    parser.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"overall deadline in seconds, retries included (default: {DEFAULT_TIMEOUT:g})",
    )


def _run_get(arguments: argparse.Namespace) -> int:
    from ._cache import get_lambda_metadata
    from ._model import thaw

    try:
        metadata = get_lambda_metadata(refresh=True, timeout=arguments.timeout)
    except LambdaMetadataError as exc:
        _error(str(exc))
        return exit_code_for(exc)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug of ours: still one line, never a traceback or the token
        _error(f"unexpected {exc.__class__.__name__}; please report it")
        return EXIT_FAILURE
    if arguments.json:
        import json

        try:
            text = json.dumps(thaw(metadata.raw), allow_nan=False)
        except ValueError:  # a number too large for a float (1e999) was read as infinity
            _error(
                "the endpoint's response holds a number out of a float's range, which "
                "cannot be printed back as JSON"
            )
            return EXIT_CODES[errors.InvalidMetadataError]
        print(text)
    else:
        print(metadata.availability_zone_id)
    return EXIT_OK


def exit_code_for(error: LambdaMetadataError) -> int:
    """``get``'s exit code for ``error``: see ``EXIT_CODES``."""
    if isinstance(error, MetadataHTTPError) and error.status_code == 401:
        return EXIT_UNAUTHORIZED
    for kind, code in EXIT_CODES.items():
        if isinstance(error, kind):
            return code
    return EXIT_FAILURE


# -- serve -----------------------------------------------------------------


def _add_serve(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1); anything but loopback prints a warning",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=0,
        metavar="N",
        help="port to listen on (default: 0, any free port; the export line says which)",
    )
    parser.add_argument(
        "--az",
        type=_az_id,
        default=_DEFAULT_AZ,
        metavar="AZ_ID",
        help=f"Availability Zone ID to answer (default: {_DEFAULT_AZ})",
    )
    parser.add_argument(
        "--token",
        type=_token,
        default=None,
        metavar="T",
        help="bearer token to require (default: a new random one)",
    )
    parser.add_argument(
        "--max-age",
        type=_max_age,
        default=43200,
        metavar="S",
        help="max-age of the Cache-Control header, in seconds (default: 43200, as AWS sends)",
    )


def _run_serve(arguments: argparse.Namespace) -> int:
    import shlex
    import signal
    import time

    from .testing import MetadataEndpoint

    received: list[int] = []

    def stop(signum: int, frame: object) -> None:
        received.append(signum)

    previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        if not _is_loopback(arguments.host):
            _warn(
                f"{arguments.host} is not a loopback address, so other machines may reach this "
                "emulator; keep the default 127.0.0.1 unless a container or VM must reach it"
            )
        endpoint = MetadataEndpoint(
            availability_zone_id=arguments.az,
            token=arguments.token,
            host=arguments.host,
            port=arguments.port,
            max_age=arguments.max_age,
        )
        try:
            endpoint.start()
        except OSError as exc:
            reason = exc.strerror or exc
            _error(f"cannot listen on {arguments.host} port {arguments.port}: {reason}")
            return EXIT_FAILURE
        try:
            for name, value in _reachable(endpoint.environ).items():
                print(f"export {name}={shlex.quote(value)}")
            sys.stdout.flush()
            _note(
                f"serving {arguments.az!r} at http://{endpoint.address}; "
                "stop with Ctrl-C or SIGTERM"
            )
            while not received:
                time.sleep(0.05)
        finally:
            endpoint.stop()
        _note(f"stopped by {signal.Signals(received[0]).name}")
        return EXIT_OK
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _reachable(environ: dict[str, str]) -> dict[str, str]:
    """The variables to export, with the wildcard address (0.0.0.0) replaced by loopback."""
    host, _, port = environ[API_ENV].rpartition(":")
    return {**environ, API_ENV: f"127.0.0.1:{port}"} if host == "0.0.0.0" else environ  # noqa: S104


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# -- demo ------------------------------------------------------------------


def _add_demo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--logger",
        choices=("auto", "powertools", "stdlib"),
        default="auto",
        help="log with a Powertools Logger (auto: when installed) or the standard library",
    )


def _run_demo(arguments: argparse.Namespace) -> int:
    from ._demo import run_demo

    if arguments.logger == "powertools":
        import importlib.util

        if importlib.util.find_spec("aws_lambda_powertools") is None:
            _error(
                '--logger powertools needs Powertools: pip install "lambda-metadata[powertools]"'
            )
            return EXIT_FAILURE
    return run_demo(logger_kind=arguments.logger)


# -- argument types (a ValueError or ArgumentTypeError is a usage error) --------


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    try:
        check_timeout(value, "--timeout")  # the library's one rule, so the two never disagree
    except errors.InvalidArgumentError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit() and int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535: {text!r}")
    return int(text)


def _max_age(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"must be a whole number of seconds, 0 or more: {text!r}")
    return int(text)


def _az_id(text: str) -> str:
    if not is_valid_az_id(text):
        raise argparse.ArgumentTypeError(f"must be {AZ_ID_RULE}, such as use1-az1: {text!r}")
    return text


def _token(text: str) -> str:
    if not is_valid_token(text):
        raise argparse.ArgumentTypeError(f"must be {TOKEN_RULE}")
    return text


# -- output ------------------------------------------------------------------


def _error(message: str) -> None:
    print(f"{PROG}: error: {_one_line(message)}", file=sys.stderr)


def _warn(message: str) -> None:
    print(f"{PROG}: warning: {_one_line(message)}", file=sys.stderr)


def _note(message: str) -> None:
    print(f"{PROG}: {_one_line(message)}", file=sys.stderr, flush=True)


def _one_line(message: str) -> str:
    return " ".join(message.split())
