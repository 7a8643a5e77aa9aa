"""The declared plugin surface: what a plugin may use of the core is ``lrs.__all__``, and nothing
else; plugins use one another only through each other's top-level package; settings come from
the configuration, never from ``os.environ``; the core knows none of its plugins."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import lrs

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "plugins.md"
#: each first-party plugin package and its folder
PLUGIN_PACKAGES = {"lrs_space": ROOT / "plugins" / "space", "lrs_cpd": ROOT / "plugins" / "cpd",
                   "lrs_oauth": ROOT / "plugins" / "oauth", "lrs_oidc": ROOT / "plugins" / "oidc",
                   "lrs_chat": ROOT / "plugins" / "chat", "lrs_journal": ROOT / "connectors" / "journal"}


def python_files(*tops):
    for top in tops:
        for path in sorted((ROOT / top).rglob("*.py")):
            if not any(part.endswith(".egg-info") or part in (".venv", "node_modules") for part in path.parts):
                yield path


def imports(path: Path):
    """(line, module, names) of every import in a file."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.lineno, node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []


def own_package(path: Path) -> str | None:
    return next((name for name, folder in PLUGIN_PACKAGES.items() if folder in path.parents), None)


def test_plugins_connectors_and_the_docs_example_use_only_the_public_api():
    wrong = []
    public = set(lrs.__all__)
    for path in python_files("plugins", "connectors", "docs/examples"):
        where = path.relative_to(ROOT)
        for line, module, names in imports(path):
            top = module.split(".")[0]
            if top == "lrs":
                if module != "lrs":
                    wrong.append(f"{where}:{line} imports {module} (only `from lrs import …` is public)")
                wrong += [f"{where}:{line} imports lrs.{n}, not in lrs.__all__" for n in names if n not in public]
            elif top in PLUGIN_PACKAGES and top != own_package(path) and module != top:
                wrong.append(f"{where}:{line} imports {module}: another plugin's internals (use `from {top} import …`)")
    assert wrong == []


def test_the_public_names():
    """The list a plugin author reads (docs/plugins.md, "The public API"); each resolves."""
    assert len(lrs.__all__) == len(set(lrs.__all__)) > 40
    for name in lrs.__all__:
        assert getattr(lrs, name) is not None
    with pytest.raises(AttributeError, match="public API"):
        lrs.create_app  # noqa: B018 (the application factory is the core's, not a plugin's)


@pytest.mark.parametrize("name", lrs.__all__)
def test_every_public_name_is_documented(name):
    assert f"`{name}`" in DOCS.read_text(), f"docs/plugins.md does not describe lrs.{name}"


def test_settings_are_read_only_by_the_configuration():
    reads = []
    for path in python_files("lrs", "plugins"):
        if path == ROOT / "lrs" / "config.py":
            continue
        tree = ast.parse(path.read_text())
        targets = {id(t.value) for node in ast.walk(tree) if isinstance(node, ast.Assign)
                   for t in node.targets if isinstance(t, ast.Subscript)}  # os.environ[...] = … hands one on
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") and \
                    isinstance(node.value, ast.Name) and node.value.id == "os" and id(node) not in targets:
                reads.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert reads == []


def test_the_core_knows_none_of_its_plugins():
    mentions = [f"{path.relative_to(ROOT)}:{n}" for path in python_files("lrs")
                for n, line in enumerate(path.read_text().splitlines(), 1)
                if any(package in line for package in PLUGIN_PACKAGES)]
    assert mentions == []
