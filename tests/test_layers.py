"""The house has layers: every module of subsidy/ imports only from its own layer or the ones below it, and no two
modules import each other, directly or round a longer circle. Every import counts: at the top, inside a function,
under TYPE_CHECKING. subsidy/ never imports dagster."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# lowest first; a module belongs to the first entry that is it or a package above it
LAYERS = [
    ("subsidy",),  # the package's face: its version
    ("subsidy.base",),
    ("subsidy.privacy", "subsidy.problems", "subsidy.columns", "subsidy.disclosure"),
    ("subsidy.intake",),
    ("subsidy.checks",),
    ("subsidy.books", "subsidy.county_year"),
    ("subsidy.notices", "subsidy.staff"),
    ("subsidy.season",),
    ("subsidy.public",),
    ("subsidy.stages",),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module of subsidy/ that `path` imports (a name imported from a package counts as its module when it
    is one)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
    return {m for m in found if m in MODULES}


MODULES = {module_name(p): p for p in (ROOT / "subsidy").rglob("*.py")}


def layer(module: str) -> int:
    best = None
    for n, names in enumerate(LAYERS):
        for prefix in names:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (n, len(prefix))
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best[0]


GRAPH = {m: imports(p) - {m} for m, p in MODULES.items()}


def test_no_module_imports_a_higher_layer():
    up = [f"{m} (layer {layer(m)}) imports {t} (layer {layer(t)})" for m, targets in sorted(GRAPH.items())
          for t in sorted(targets) if layer(t) > layer(m) and not m.startswith(t + ".")]
    assert up == []


def test_no_two_modules_import_each_other_even_round_a_circle():
    """Tarjan's strongly connected components: any with more than one module is a circle. A package's
    __init__ that only documents it imports nothing, so a module importing its own package is no circle."""
    index, low, stack, on, circles, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert circles == []


def test_the_library_never_imports_dagster():
    used = [f"{module_name(p)}: {n.names[0].name if isinstance(n, ast.Import) else n.module}"
            for p in MODULES.values() for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
            if (isinstance(n, ast.Import) and any(a.name.split(".")[0] == "dagster" for a in n.names))
            or (isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == "dagster")]
    assert used == []


def test_the_contract_can_fail():
    """The checks above see an upward import and a circle when there is one (a check that cannot fail is none)."""
    saved = {m: set(t) for m, t in GRAPH.items()}
    try:
        GRAPH["subsidy.base.files"].add("subsidy.stages")
        try:
            test_no_module_imports_a_higher_layer()
        except AssertionError:
            pass
        else:
            raise AssertionError("an upward import went unseen")
        GRAPH["subsidy.stages"].add("subsidy.base.files")
        try:
            test_no_two_modules_import_each_other_even_round_a_circle()
        except AssertionError:
            pass
        else:
            raise AssertionError("a circle went unseen")
    finally:
        GRAPH.clear()
        GRAPH.update(saved)
