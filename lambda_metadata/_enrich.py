"""What ``@inject_az`` adds to an invocation beyond the context: the AZ name, trace annotations.

Each is opt-in (``resolve_name``, ``tracer``, ``otel``), runs once per invocation
inside the handler's call (so a ``@tracer.capture_lambda_handler`` above
``@inject_az`` has its subsegment open), and follows the decorator's failure
policy: ``strict`` raises, otherwise no failure of an extra (any ``Exception``:
EC2, a tracer, a span) reaches the handler, and one warning is logged per
failure streak.
"""

from __future__ import annotations

import importlib.util

from ._log import FailureStreak
from ._model import LambdaMetadata
from .errors import MissingOptionalDependencyError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .tracing import Annotatable

__all__ = ["InvocationExtras"]


class InvocationExtras:
    """The opt-in extras of one decorated handler: AZ name, X-Ray and OTel annotations.

    Checked when the decorator is applied; ``add`` runs once per invocation.
    """

    __slots__ = ("_streak", "otel", "resolve_name", "strict", "timeout", "tracer")

    def __init__(
        self,
        *,
        resolve_name: bool,
        tracer: Annotatable | None,
        otel: bool,
        strict: bool,
        timeout: float,
    ) -> None:
        for name, value in (("resolve_name", resolve_name), ("otel", otel)):
            if not isinstance(value, bool):
                raise TypeError(f"inject_az({name}=...) must be True or False")
        if tracer is not None and not callable(getattr(tracer, "put_annotation", None)):
            raise TypeError(
                "inject_az(tracer=...) takes a Powertools Tracer (or anything with "
                f"put_annotation), got {type(tracer).__name__}"
            )
        _require(resolve_name, "boto3", "resolve_name=True", "ec2")
        _require(otel, "opentelemetry", "otel=True", "otel")
        self.resolve_name = resolve_name
        self.tracer = tracer
        self.otel = otel
        self.strict = strict
        self.timeout = timeout
        self._streak = FailureStreak()

    @property
    def wanted(self) -> bool:
        """Whether any extra was asked for."""
        return self.resolve_name or self.tracer is not None or self.otel

    def add(self, metadata: LambdaMetadata | None) -> None:
        """Resolve the name and annotate traces for this invocation's ``metadata``."""
        if metadata is None:  # the decorator's own policy already handled the failure
            return
        from .az_names import get_availability_zone_name
        from .tracing import annotate_tracer, set_span_availability_zone

        try:
            name = get_availability_zone_name(timeout=self.timeout) if self.resolve_name else None
            if self.tracer is not None:
                annotate_tracer(self.tracer, metadata=metadata, zone_name=name, strict=True)
            if self.otel:
                set_span_availability_zone(metadata=metadata, zone_name=name, strict=True)
        except Exception as exc:  # not BaseException: an interrupt still ends the invocation
            if self.strict:
                raise
            self._streak.failed(
                "lambda_metadata: @inject_az could not add the AZ name or trace "
                "annotations (%s: %s); the handler runs without them",
                type(exc).__name__,
                exc,
            )
            return
        self._streak.succeeded()


def _require(wanted: bool, module: str, option: str, extra: str) -> None:
    """Fail when the decorator is applied, not at the first invocation."""
    if wanted and importlib.util.find_spec(module) is None:
        raise MissingOptionalDependencyError(
            f'inject_az({option}) needs {module}: pip install "lambda-metadata[{extra}]"'
        )
