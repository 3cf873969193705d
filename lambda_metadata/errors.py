"""The full error hierarchy: ``LambdaMetadataError`` and one subclass per thing that can go wrong.

A handler usually needs two of them, which ``lambda_metadata`` exports too:
``MetadataUnavailableError`` (not a Lambda environment) and ``LambdaMetadataError``
(anything else). The others tell the causes apart, for logs, metrics and tests.
Every one carries ``status_code`` and pickles with it; no message contains the token.
"""

from ._errors import *  # noqa: F403  # every class, so none can be left out here
from ._errors import __all__ as __all__

# Tracebacks, reprs and pickle name a class by its __module__: make it the module users import
# it from, not the private one it is defined in. The two exported by the package live there.
_TOP_LEVEL = frozenset({"LambdaMetadataError", "MetadataUnavailableError"})
for _name in __all__:
    globals()[_name].__module__ = "lambda_metadata" if _name in _TOP_LEVEL else __name__
del _name
