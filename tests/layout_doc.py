"""The README's layout of subsidy/, made from the packages themselves: their floors (tests/test_layers.py's LAYERS,
top floor first) and the first sentence of each package's and module's docstring. `python -m tests.layout_doc`
writes it into the README; tests/test_docs.py fails when the README's copy is stale."""

import ast
import sys
import textwrap
from pathlib import Path

from tests.test_layers import LAYERS, MODULES, layer

ROOT = Path(__file__).resolve().parent.parent
START = "<!-- the layout of subsidy/: made by `python -m tests.layout_doc` from the packages' docstrings -->"
END = "<!-- end of the generated layout -->"
WIDTH = 118


def first_sentence(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    text = " ".join(doc.split("\n\n")[0].split())
    cut = text.find(". ")
    return text if cut < 0 else text[:cut + 1]


def _entry(label: str, text: str, indent: int) -> list[str]:
    head = " " * indent + label.ljust(24 - indent)
    lines = textwrap.wrap(text, WIDTH - 24) or [""]
    return [head + lines[0]] + [" " * 24 + line for line in lines[1:]]


def layout_text() -> str:
    out = ["subsidy/                the library (never imports dagster), floor by floor from the top; each floor",
           "                        imports only from its own floor and those below it (tests/test_layers.py)"]
    for n in range(len(LAYERS) - 1, 0, -1):
        modules = sorted(m for m in MODULES if layer(m) == n)
        out.append(f"  floor {n}")
        for prefix in LAYERS[n]:
            if prefix not in MODULES:
                continue
            path = MODULES[prefix]
            if path.name == "__init__.py":
                out += _entry(f"{prefix.split('.')[-1]}/", first_sentence(path), 4)
                out += [line for m in modules if m.startswith(prefix + ".")
                        for line in _entry(m.rsplit(".", 1)[1] + ".py", first_sentence(MODULES[m]), 6)]
            else:
                out += _entry(prefix.split(".")[-1] + ".py", first_sentence(path), 4)
    return "\n".join([START, "```", *out, "```", END])


def main() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(START), text.index(END) + len(END)
    readme.write_text(text[:start] + layout_text() + text[end:], encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
