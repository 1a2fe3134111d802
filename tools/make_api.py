"""Write docs/api.md, the API reference, from ``riskscore.__all__``.

Usage (from the repository root)::

    .venv/bin/python tools/make_api.py          # rewrite docs/api.md
    .venv/bin/python tools/make_api.py --check  # exit 1 when docs/api.md is stale

Each public name gets its signature and the first paragraph of its docstring, under the public
module it comes from (``riskscore._LAZY``, in the order of the data flow); the full docstrings
stay in the code. tests/test_api.py regenerates the page and compares it with the committed file.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "api.md"
COMMAND = ".venv/bin/python tools/make_api.py"
WIDTH = 100  # longer signatures get one parameter per line

_ROLE = re.compile(r":(?:func|class|meth|mod|data|attr|exc|obj):`~?([^`]+)`")


def _markdown(text: str) -> str:
    """reST inline markup of a docstring paragraph as Markdown: roles and ``literals`` become `code`."""
    return _ROLE.sub(r"`\1`", text).replace("``", "`")


def first_paragraph(obj: object) -> str:
    doc = inspect.getdoc(obj) or ""
    return _markdown(" ".join(doc.strip().split("\n\n")[0].split()))


def _annotation(annotation: Any) -> str:
    return annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)


def _default(value: object) -> str:
    """A default as code: classes and functions by name; a dataclass factory, which has no code form, as ``...``."""
    if inspect.isclass(value) or inspect.isfunction(value):
        return value.__name__
    text = repr(value)
    return "..." if text.startswith("<") else text


def _parameter(p: inspect.Parameter) -> str:
    text = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
    if p.annotation is not p.empty:
        text += f": {_annotation(p.annotation)}"
    if p.default is not p.empty:
        text += f" = {_default(p.default)}" if p.annotation is not p.empty else f"={_default(p.default)}"
    return text


def signature(name: str, obj: object) -> str:
    """``def name(...) -> ...`` or ``class name(...)``, with annotations as written in the code.

    Exceptions and warnings show their base classes instead (what an ``except`` clause needs).
    """
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        return f"class {name}({', '.join(base.__name__ for base in obj.__bases__)})"
    try:
        sig = inspect.signature(obj)  # type: ignore[arg-type]
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return f"{'class' if inspect.isclass(obj) else 'def'} {name}"
    parts: list[str] = []
    kinds = [p.kind for p in sig.parameters.values()]
    for i, p in enumerate(sig.parameters.values()):
        if p.kind is p.KEYWORD_ONLY and (i == 0 or kinds[i - 1] not in (p.KEYWORD_ONLY, p.VAR_POSITIONAL)):
            parts.append("*")
        parts.append(_parameter(p))
        if p.kind is p.POSITIONAL_ONLY and (i + 1 == len(kinds) or kinds[i + 1] is not p.POSITIONAL_ONLY):
            parts.append("/")
    head = f"class {name}" if inspect.isclass(obj) else f"def {name}"
    tail = ""
    if not inspect.isclass(obj) and sig.return_annotation is not sig.empty:
        tail = f" -> {_annotation(sig.return_annotation)}"
    line = f"{head}({', '.join(parts)}){tail}"
    if len(line) <= WIDTH:
        return line
    return f"{head}(\n" + "".join(f"    {part},\n" for part in parts) + f"){tail}"


def _module_summary(module_name: str) -> str:
    module = sys.modules[module_name]
    return first_paragraph(module)


def render() -> str:
    """The content of docs/api.md for the installed riskscore."""
    import riskscore
    import riskscore.exceptions

    groups: dict[str, list[str]] = {"riskscore.exceptions": []}
    for name in riskscore.__all__:
        if name == "__version__":
            continue
        module = riskscore._LAZY.get(name, "riskscore.exceptions")  # the exceptions are imported eagerly
        groups.setdefault(module, []).append(name)
    order = [*dict.fromkeys(riskscore._LAZY.values()), "riskscore.exceptions"]
    lines = [
        "# API reference",
        "",
        f"<!-- Generated from riskscore.__all__ by `{COMMAND}`; do not edit by hand. -->",
        "",
        "Every name below is importable from `riskscore` (`from riskscore import Scorer`); a name is",
        "imported on first use, so `import riskscore` stays fast. Each section names the module the",
        "names come from; their full docstrings (parameters, returns, raises, examples) are in the code",
        "and in `help()`. `riskscore.__version__` is the installed version.",
        "",
    ]
    for module_name in order:
        names = groups.get(module_name)
        if not names:
            continue
        getattr(riskscore, names[0])  # imports the module
        lines += [f"## `{module_name}`", "", _module_summary(module_name), ""]
        for name in names:
            obj = getattr(riskscore, name)
            lines += [f"### `{name}`", "", "```python", signature(name, obj), "```", "", first_paragraph(obj), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/api.md is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET.relative_to(ROOT)} is stale: run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
