"""``python -m lambda_metadata``: the same command as ``lambda-metadata``."""

from lambda_metadata.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
