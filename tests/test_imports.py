"""The import rules of docs/architecture.md, held by walking the source with `ast`.

Only the files that exist are walked: a package not written yet simply has nothing to check.
"""

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("backend", "agent", "mcp_tools", "migrations")
LEAVES = frozenset(
    {
        "backend.settings",
        "backend.db.engine",
        "backend.db.url",
        "backend.db.models",
        "backend.http.errors",
        "backend.fields",
        "backend.feed.changes",
        "backend.limits.rate",
        "backend.limits.tool_budget",  # per-turn tool counts, shared by the agent and the bridge
        "backend.tasks.recurrence",  # pure date arithmetic the store and the tools share
    }
)
# Leaves that other leaves may import: reading DATABASE_URL is both a setting and the engine's.
LEAVES_OF_LEAVES = frozenset({"backend.db.url"})
# The /mcp server counts its callers' tool calls like every other per-minute limit.
# /mcp's per-user request limit answers a refusal with the API's one JSON error shape.
MCP_TOOLS_MAY_ALSO_IMPORT = frozenset({"backend.limits.mcp", "backend.http.error_handlers"})
# What a store may use besides the leaves: numbering, writing the activity entry of a change
# in the change's own transaction (backend/activity/record.py), and how every search runs.
# And the conversation store's own parts: its search, versions, records and turn statements.
STORE_HELPERS = frozenset(
    {
        "backend.db.sequences",
        "backend.db.search",
        "backend.activity.record",
        "backend.conversations.search",
        "backend.conversations.versions",
        "backend.conversations.records",
        "backend.conversations.turn_statements",
    }
)
# A domain operation the tools share with REST: undo, over the task and activity stores.
TOOL_OPERATIONS = frozenset({"backend.activity.undo"})
WIRING = frozenset({"backend.main", "backend.services", "backend.cli", "backend.chat_cli"})


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def source_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        if (ROOT / package).is_dir()
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    is_package = source_modules()[module].name == "__init__.py"
    base = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
    return ".".join([*base, *([node.module] if node.module else [])])


@cache
def our_imports(module: str) -> frozenset[str]:
    """Every module of ours that `module` imports, anywhere in the file (lazy ones too)."""
    tree = ast.parse(source_modules()[module].read_text(), filename=str(module))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, node)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in source_modules() else base)
    return frozenset(m for m in found if m.split(".")[0] in PACKAGES)


def package_of(module: str) -> str:
    return module.split(".")[0]


def is_store(module: str) -> bool:
    return module.startswith("backend.") and module.endswith(".store")


def is_router(module: str) -> bool:
    return module.endswith(".router") or module in {"backend.main", "backend.http.health"}


def violations(modules: list[str], allowed: frozenset[str] | None = None) -> dict[str, set[str]]:
    """Imports of ours outside `allowed` (nothing of ours, when None)."""
    bad = {m: set(our_imports(m)) - (allowed or frozenset()) for m in modules}
    return {m: imports for m, imports in bad.items() if imports}


def test_the_walk_sees_the_imports_it_must_judge() -> None:
    """The rules below pass trivially if the walk finds nothing: prove it finds real edges."""
    assert LEAVES <= set(source_modules())
    assert {"backend.db.models", "backend.db.sequences"} <= our_imports("backend.tasks.store")
    assert "backend.tasks.store" in our_imports("backend.tasks.router")
    assert "backend.chat_cli" in our_imports("backend.cli")  # imported inside a function


def test_the_leaves_import_nothing_of_ours_but_the_leaves_of_leaves() -> None:
    assert violations(sorted(LEAVES_OF_LEAVES)) == {}
    assert violations(sorted(LEAVES), LEAVES_OF_LEAVES) == {}


def test_stores_import_only_the_leaves() -> None:
    stores = [m for m in source_modules() if is_store(m)]
    assert "backend.tasks.store" in stores
    assert violations(stores, LEAVES | STORE_HELPERS) == {}
    assert violations(["backend.db.sequences", "backend.db.search"], LEAVES) == {}
    assert violations(["backend.activity.record"], LEAVES | {"backend.db.sequences"}) == {}


def test_mcp_tools_use_only_stores_and_leaves_never_agent_or_routers() -> None:
    tools = [m for m in source_modules() if package_of(m) == "mcp_tools"]
    bad = {
        m: {
            i
            for i in our_imports(m)
            if package_of(i) == "agent"
            or is_router(i)
            or (
                package_of(i) == "backend"
                and not (
                    i in LEAVES
                    or is_store(i)
                    or i in STORE_HELPERS | TOOL_OPERATIONS | MCP_TOOLS_MAY_ALSO_IMPORT
                )
            )
        }
        for m in tools
    }
    assert {m: i for m, i in bad.items() if i} == {}


def test_agent_imports_no_router_or_store() -> None:
    agent = [m for m in source_modules() if package_of(m) == "agent"]
    bad = {
        m: {i for i in our_imports(m) if is_router(i) or is_store(i) or i == "backend.db.sequences"}
        for m in agent
    }
    assert {m: i for m, i in bad.items() if i} == {}


def test_only_the_composition_root_wires_agent_and_mcp_tools_together() -> None:
    both = {
        m
        for m in source_modules()
        if {"agent", "mcp_tools"} <= {package_of(i) for i in our_imports(m)} - {package_of(m)}
    }
    assert both <= WIRING, sorted(both - WIRING)


def test_the_top_of_backend_is_the_composition_root_settings_and_the_command_line() -> None:
    """Every other concern has a package whose name says what it owns."""
    loose = {
        module
        for module, path in source_modules().items()
        if path.parent == ROOT / "backend" and path.name != "__init__.py"
    }
    assert loose == {
        "backend.main",
        "backend.services",
        "backend.deps",
        "backend.settings",
        "backend.fields",
        "backend.cli",
        "backend.chat_cli",
    }
