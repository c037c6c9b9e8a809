"""``python -m docgen``: the same as the ``docgen`` console script."""

from docgen.cli import main

raise SystemExit(main())
