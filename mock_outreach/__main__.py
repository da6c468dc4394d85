"""`python -m mock_outreach` is the `mock-outreach` command line."""

from .cli import main

raise SystemExit(main())
