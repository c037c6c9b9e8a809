"""What a run shows and returns: the console (:mod:`~docgen.ui.console`), the progress hooks the
writers call (:mod:`~docgen.ui.progress`), and the run report with the exit codes
(:mod:`~docgen.ui.report`)."""
