"""The discover stage: paths in, :class:`~docgen.model.SourceFile` records out.

:mod:`~docgen.discover.walk` decides which files are read (ignore rules, skipped folders,
symbolic links), :mod:`~docgen.discover.names` names their modules, and
:mod:`~docgen.discover.vcs` is docgen's one git runner (ignore listings, ``--changed-since``).
"""

from docgen.discover.vcs import changed_files
from docgen.discover.walk import Discovery, discover, module_name

__all__ = ["Discovery", "changed_files", "discover", "module_name"]
