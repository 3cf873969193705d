"""``python -m benchmarks``: run the suite and print a table (or JSON with ``--json``)."""

from __future__ import annotations

from benchmarks._cli import main

raise SystemExit(main())
