"""``python -m lambda_metadata``: the same command as ``lambda-metadata``."""

from __future__ import annotations

from lambda_metadata.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
