"""``metadata_of(context)``: the decorator's metadata, typed, for any context type."""

from __future__ import annotations

from ._constants import CONTEXT_ATTRIBUTE
from ._model import LambdaMetadata


def metadata_of(context: object) -> LambdaMetadata | None:
    """The ``LambdaMetadata`` that ``@inject_az`` put on ``context``, or ``None``.

    ``context.lambda_metadata`` is invisible to a type checker when the context is
    annotated as Powertools' ``LambdaContext``; this accessor passes ``mypy --strict``
    with any context type. ``None`` when the handler is not decorated, or when the
    decorator ran without metadata (outside Lambda, the endpoint down).
    """
    metadata = getattr(context, CONTEXT_ATTRIBUTE, None)
    return metadata if isinstance(metadata, LambdaMetadata) else None
