"""The offline writer: deterministic prose from extracted facts
(:mod:`~docgen.write.offline.writer`), with steps phrased from control flow
(:mod:`~docgen.write.offline.phrases`), examples built from signatures
(:mod:`~docgen.write.offline.examples`) and docstring sections read
(:mod:`~docgen.write.offline.docstrings`)."""

from docgen.write.offline.writer import OfflineWriter

__all__ = ["OfflineWriter"]
