"""The offline writer's parameter descriptions: the docstring's words when it has them, else
what the body does with the parameter (where it is passed, whether it is iterated, compared,
stored, returned or tested), its default and its kind. The annotation stands beside the name on
the page, so it is not said again."""

from __future__ import annotations

from docgen.i18n import Catalog
from docgen.model import FunctionInfo, ParamDoc, Parameter, ParamKind
from docgen.write.offline.docstrings import Docstring
from docgen.write.offline.phrases import code, sentence

__all__ = ["describe_param", "param_uses"]


def param_uses(catalog: Catalog, fn: FunctionInfo, name: str, most: int = 2) -> list[str]:
    """What the body does with parameter ``name``, as sentences (the first ``most``)."""
    t = catalog.t
    out: list[str] = []
    for param, kind, detail in fn.param_uses:
        if param != name or len(out) >= most:
            continue
        if kind == "passed":
            callee, _, keyword = detail.partition(":")
            if keyword:
                out.append(t("param.use_passed_kw", callee=code(callee), keyword=code(keyword)))
            else:
                out.append(t("param.use_passed", callee=code(callee)))
        elif kind == "compared":
            out.append(t("param.use_compared", value=code(detail, 40)))
        elif kind == "stored":
            out.append(t("param.use_stored", target=code(detail)))
        else:
            out.append(t(f"param.use_{kind}"))
    return out


def describe_param(catalog: Catalog, fn: FunctionInfo, p: Parameter, doc: Docstring) -> ParamDoc:
    t = catalog.t
    item = doc.param(p.name)
    default = t("param.optional", default=code(p.default, 60)) if p.default is not None else ""
    if item and item.description:
        text = sentence(item.description)
        if default and p.default not in item.description:
            text = f"{text} {t('param.default', default=code(p.default, 60))}"
        return ParamDoc(p.name, text)
    parts: list[str] = param_uses(catalog, fn, p.name)
    if p.kind is ParamKind.VAR_POSITIONAL:
        parts.append(t("param.var_positional"))
    elif p.kind is ParamKind.VAR_KEYWORD:
        parts.append(t("param.var_keyword"))
    else:
        # the annotation stands beside the name on the page: said again only when it comes
        # from the docstring, and only when the body says nothing more
        if not p.annotation and item and item.type and not parts:
            parts.append(t("param.type", type=code(item.type)))
        parts.append(default or t("param.required"))
        if p.kind is ParamKind.KEYWORD_ONLY:
            parts.append(t("param.keyword_only"))
        elif p.kind is ParamKind.POSITIONAL_ONLY:
            parts.append(t("param.positional_only"))
    return ParamDoc(p.name, " ".join(parts))
