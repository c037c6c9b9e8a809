"""The render stage: records and docs in, Markdown pages out (:class:`Renderer`), with the
Markdown safety filters of :mod:`~docgen.render.markdown`."""

from docgen.render.renderer import Renderer
from docgen.render.task import RenderTask

__all__ = ["RenderTask", "Renderer"]
