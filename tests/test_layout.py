"""The package layout: data flows one way, no cycle, no private name across modules.

Read with :mod:`ast` (nothing is imported): every ``import`` of a ``coodiag`` module, at module
level or inside a function, is an edge of the graph.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "coodiag"

#: Layers, lowest first: a module may import from its own layer and the ones below only.
LAYERS = [
    ("core", ("coodiag.settings", "coodiag.errors", "coodiag._io", "coodiag.codes",
              "coodiag.levels", "coodiag.fr", "coodiag.territory", "coodiag.secrecy",
              "coodiag.indicator")),
    ("mirror", ("coodiag.mirror",)),
    ("reference", ("coodiag.reference",)),
    ("base", ("coodiag.base",)),
    ("userfiles", ("coodiag.userfiles",)),
    ("analyses", ("coodiag.analyses",)),
    ("reports", ("coodiag.reports",)),
    ("outputs", ("coodiag.outputs",)),
    ("faces", ("coodiag.cli", "coodiag.explorer", "coodiag")),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int:
    best, rank = -1, -1
    for i, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), i
    assert rank >= 0, f"{module} n'appartient à aucune couche"
    return rank


def imports_of(module: str) -> list[tuple[str, list[str], int]]:
    """(imported module, imported names, line) for each coodiag import of ``module``."""
    path = MODULES[module]
    tree = ast.parse(path.read_text("utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("coodiag")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if not target.startswith("coodiag"):
                continue
            names = [a.name for a in node.names]
            submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            plain = [n for n in names if f"{target}.{n}" not in MODULES]
            if plain or not submodules:
                found.append((target, plain, node.lineno))
            found += [(s, [], node.lineno) for s in submodules]
    return found


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for module in MODULES:
        edges[module] = {t for t, _n, _l in imports_of(module) if t != module and t in MODULES}
    return edges


def test_every_module_is_in_a_layer() -> None:
    for module in MODULES:
        layer_of(module)
    assert "coodiag" in MODULES, "coodiag/__init__.py (l'API publique) manque"


def test_no_import_from_a_higher_layer() -> None:
    wrong = []
    for module in MODULES:
        for target, _names, line in imports_of(module):
            if target in MODULES and layer_of(target) > layer_of(module):
                wrong.append(
                    f"{MODULES[module].relative_to(PACKAGE.parent)}:{line} "
                    f"({LAYERS[layer_of(module)][0]}) importe {target} "
                    f"({LAYERS[layer_of(target)][0]})"
                )
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle() -> None:
    edges = graph()
    # Tarjan's strongly connected components: any component of more than one module is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in edges:
        if v not in index:
            visit(v)
    assert not cycles, cycles


def module_aliases(module: str) -> dict[str, str]:
    """Local name -> coodiag module, for the modules ``module`` imports as a whole."""
    tree = ast.parse(MODULES[module].read_text("utf-8"))
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("coodiag"):
            for a in node.names:
                if f"{node.module}.{a.name}" in MODULES:
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.asname and a.name in MODULES:
                    aliases[a.asname] = a.name
    return aliases


def test_no_private_name_across_modules() -> None:
    """Neither ``from x import _name`` nor ``x._name`` on another coodiag module."""
    wrong = []
    for module in MODULES:
        where = MODULES[module].relative_to(PACKAGE.parent)
        for target, names, line in imports_of(module):
            private = [n for n in names if n.startswith("_") and n != "__version__"]
            if private and target != module:
                wrong.append(f"{where}:{line} {target}: {private}")
        aliases = module_aliases(module)
        for node in ast.walk(ast.parse(MODULES[module].read_text("utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                wrong.append(f"{where}:{node.lineno} {aliases[node.value.id]}.{node.attr}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("coodiag.analyses", "coodiag.base.store"),  # analyses get what they need as arguments
        ("coodiag.analyses", "coodiag.mirror"),
        ("coodiag.outputs", "coodiag.analyses"),  # outputs render results, never compute them
    ],
)
def test_forbidden_reads(layer: str, forbidden: str) -> None:
    wrong = [
        f"{module} importe {target}"
        for module in MODULES
        if module == layer or module.startswith(layer + ".")
        for target, _names, _line in imports_of(module)
        if target == forbidden or target.startswith(forbidden + ".")
    ]
    assert not wrong, "\n".join(wrong)


def test_logic_modules_stay_short() -> None:
    """No module over ~400 lines, except declarative tables."""
    tables = {"coodiag.mirror.sources", "coodiag.base.indicator_specs"}
    long = {
        m: n for m, p in MODULES.items()
        if m not in tables and (n := len(p.read_text("utf-8").splitlines())) > 400
    }
    assert not long, long
