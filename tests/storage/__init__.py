"""Storage tests (a package so their module names cannot clash with tests/contract or tests/unit)."""
