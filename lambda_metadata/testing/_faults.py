"""Impair a ``MetadataEndpoint`` on purpose, to rehearse an AZ impairment in tests.

A ``Fault`` says what goes wrong: the endpoint reports another AZ, answers an
error status, or answers late (or, with ``Fault.hang()``, not within any
client deadline). ``inject_fault`` applies one for a ``with`` block. The same
fault can be written as text in ``LAMBDA_METADATA_FAULT``, for a served endpoint.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus

from ._emulator import MetadataEndpoint

__all__ = ["FAULT_ENV", "HANG_SECONDS", "Fault", "InvalidFaultError", "inject_fault"]

FAULT_ENV = "LAMBDA_METADATA_FAULT"
"""Environment variable holding a fault as text, such as ``status=503`` or ``az=use1-az2``."""

HANG_SECONDS = 3600.0
"""How long a hung endpoint waits before answering: longer than any client deadline."""


class InvalidFaultError(ValueError):
    """A fault's options, or its text in ``LAMBDA_METADATA_FAULT``, are not valid.

    A test's misconfiguration, not a metadata failure: deliberately not a
    ``LambdaMetadataError``, so a handler's ``except LambdaMetadataError`` never hides it.
    """


@dataclass(frozen=True, slots=True)
class Fault:
    """One impairment of the endpoint; fields left at their defaults change nothing.

    Attributes:
        availability_zone_id: report this AZ ID, as after a move to another AZ.
        status: answer every authorized GET with this error status (4xx or 5xx).
        delay: seconds to wait before answering; past the client's deadline it
            is a timeout. ``Fault.hang()`` waits ``HANG_SECONDS``.
    """

    availability_zone_id: str | None = None
    status: int | None = None
    delay: float = 0.0

    def __post_init__(self) -> None:
        zone = self.availability_zone_id
        if zone is not None and (not isinstance(zone, str) or not zone.strip()):
            raise InvalidFaultError(
                f"availability_zone_id must be a non-empty string, got {zone!r}"
            )
        status = self.status
        if status is not None and not (
            isinstance(status, int)
            and not isinstance(status, bool)
            and 400 <= status <= 599
            and status in HTTPStatus._value2member_map_
        ):
            raise InvalidFaultError(
                f"status must be an HTTP error status such as 500 or 503, got {status!r}"
            )
        delay = self.delay
        if not (
            isinstance(delay, (int, float))
            and not isinstance(delay, bool)
            and 0 <= delay < math.inf
        ):
            raise InvalidFaultError(f"delay must be a finite number of seconds >= 0, got {delay!r}")

    @classmethod
    def hang(cls, *, availability_zone_id: str | None = None) -> Fault:
        """An endpoint that accepts the request and does not answer in time."""
        return cls(availability_zone_id=availability_zone_id, delay=HANG_SECONDS)

    @classmethod
    def parse(cls, text: str) -> Fault:
        """Read a fault from comma-separated ``az=ID``, ``status=N``, ``delay=S`` and ``hang``.

        For example ``"status=503"``, ``"hang"`` or ``"az=use1-az2,delay=0.25"``.
        """
        options: dict[str, str] = {}
        for item in text.split(","):
            item = item.strip()
            if not item:
                continue
            name, equals, value = item.partition("=")
            name, value = name.strip().lower(), value.strip()
            if name == "hang" and not equals:
                options["delay"] = repr(HANG_SECONDS)
            elif name in ("az", "availability_zone_id", "status", "delay") and value:
                options["az" if name == "availability_zone_id" else name] = value
            else:
                raise InvalidFaultError(
                    f"{FAULT_ENV}: cannot read {item!r}; expected az=ID, status=N, delay=SECONDS "
                    "or hang, separated by commas"
                )
        try:
            status = int(options["status"]) if "status" in options else None
            delay = float(options.get("delay", 0))
        except ValueError:
            raise InvalidFaultError(
                f"{FAULT_ENV}: status must be an integer and delay a number, in {text!r}"
            ) from None
        return cls(availability_zone_id=options.get("az"), status=status, delay=delay)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Fault | None:
        """The fault in ``LAMBDA_METADATA_FAULT``, or ``None`` when it is unset or empty."""
        text = (os.environ if environ is None else environ).get(FAULT_ENV, "")
        return cls.parse(text) if text.strip() else None


@contextmanager
def inject_fault(endpoint: MetadataEndpoint, fault: Fault | None) -> Iterator[MetadataEndpoint]:
    """Apply ``fault`` to a running ``endpoint`` for the ``with`` block, then restore it.

    ``None`` changes nothing, so ``inject_fault(endpoint, Fault.from_environ())``
    is safe to write unconditionally.
    """
    if fault is None:
        yield endpoint
        return
    saved = (endpoint.availability_zone_id, endpoint.status, endpoint.delay)
    if fault.availability_zone_id is not None:
        endpoint.availability_zone_id = fault.availability_zone_id
    if fault.status is not None:
        endpoint.status = fault.status
    if fault.delay:
        endpoint.delay = fault.delay
    try:
        yield endpoint
    finally:
        endpoint.availability_zone_id, endpoint.status, endpoint.delay = saved
