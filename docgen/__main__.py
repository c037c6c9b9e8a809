"""``python -m docgen``: the same as the ``docgen`` console script."""

from docgen.cli import console_main

console_main()
