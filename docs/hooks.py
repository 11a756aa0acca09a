"""MkDocs hooks: generate the pages that must never drift from the code.

* ``claims/index.md`` and one page per claim family — from :mod:`sublevel.theory.claims` (statement,
  source, hypotheses, notes) and :mod:`sublevel.proofs_checks.registry` (the check's default size, what
  it certifies and its negative control, from their docstrings), with the construction described
  by the docstrings of the modules that build it;
* ``cli.md`` — ``sublevel --help`` and every subcommand's help, from
  :func:`sublevel.proofs_checks.cli.build_parser`;
* ``api/*.md`` — every public module, class and function with its signature and docstring.

Docstrings are shown verbatim in text blocks (they are written in unicode mathematics, not in
Markdown). Run by ``mkdocs build -f docs/mkdocs.yml`` (``pip install 'sublevel[docs]'``).
"""

from __future__ import annotations

import argparse
import html
import importlib
import importlib.util
import inspect
import pkgutil
import textwrap
from typing import Any

from mkdocs.structure.files import File, Files

#: claim family → (title, the modules whose docstrings describe its construction)
FAMILIES: dict[str, tuple[str, list[str]]] = {
    "liftings": (
        "Convex liftings and identities",
        [
            "sublevel.theory.liftings.multilinear",
            "sublevel.theory.liftings.quadratic",
            "sublevel.theory.liftings.feature_map",
        ],
    ),
    "linear": (
        "Deep linear networks",
        [
            "sublevel.numerics.energies.linear",
            "sublevel.numerics.paths.linear",
            "sublevel.numerics.paths.ridge",
        ],
    ),
    "intrinsic": (
        "Finite intrinsic dimension, quadratic networks, the ReLU valley",
        [
            "sublevel.numerics.energies.two_layer",
            "sublevel.numerics.energies.convex_lifting",
            "sublevel.numerics.energies.two_layer_population",
            "sublevel.numerics.energies.relu_valley",
            "sublevel.numerics.paths.intrinsic",
            "sublevel.numerics.energies.quadratic_deep",
            "sublevel.numerics.energies.optimisation_runs",
            "sublevel.numerics.energies.quadratic_widths",
            "sublevel.numerics.energies.sign_trap",
            "sublevel.numerics.energy_barrier",
        ],
    ),
    "relu": (
        "Two-layer ReLU networks",
        [
            "sublevel.numerics.energies.relu",
            "sublevel.numerics.paths.relu",
            "sublevel.numerics.paths.relu_networks",
            "sublevel.numerics.paths.lasso",
            "sublevel.numerics.paths.relu_compression",
            "sublevel.numerics.paths.relu_width",
            "sublevel.numerics.paths.relu_disconnection",
            "sublevel.numerics.kernels",
        ],
    ),
    "geodesic": (
        "Geometry: the geodesic path solver",
        [
            "sublevel.numerics.geodesic.dss",
            "sublevel.numerics.geodesic.result",
            "sublevel.numerics.geodesic.baselines",
            "sublevel.numerics.geodesic.alignment",
        ],
    ),
    "spin-glass": (
        "The spherical p-spin glass",
        ["sublevel.numerics.energies.spin_glass", "sublevel.theory.spin_glass"],
    ),
}

#: API reference pages: page → packages whose public modules it documents
API_PAGES = {
    "theory": ["sublevel.theory"],
    "numerics": ["sublevel.numerics"],
    "proofs_checks": ["sublevel.proofs_checks"],
}
#: modules documented elsewhere (the claim pages) or internal to the CLI
API_SKIP = (
    "sublevel.proofs_checks.checks",
    "sublevel.proofs_checks.commands",
    "sublevel.proofs_checks.cli",
)


def _escape(text: str) -> str:
    """Inline Markdown for statements written in plain unicode mathematics."""
    out = html.escape(str(text), quote=False).replace("\\", "\\\\")
    for ch in "`*_[]|#":
        out = out.replace(ch, "\\" + ch)
    return out


def _block(text: str | None, lang: str = "text") -> str:
    body = inspect.cleandoc(text or "").strip() or "(no docstring)"
    fence = "````" if "```" in body else "```"
    return f"{fence}{lang}\n{body}\n{fence}\n"


def _importable(name: str) -> Any | None:
    if importlib.util.find_spec(name) is None:
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


# ---------------------------------------------------------------------------- claims


def _claim_section(claim: Any, chk: Any) -> str:
    lines = [
        f"### `{claim.id}`",
        "",
        f"*{claim.kind}* — {_escape(claim.source)} (papers.md {_escape(claim.section)})",
        "",
        f"**Statement.** {_escape(claim.statement)}",
        "",
    ]
    if claim.latex:
        lines += [_block(claim.latex, "latex"), ""]
    req = f" (reads: {', '.join(f'`{r}`' for r in claim.requires)})" if claim.requires else ""
    lines += [f"**Hypotheses.** {_escape(claim.hypotheses_text)}{req}", ""]
    if chk is None:
        lines += [
            "**Check.** not implemented: `sublevel verify` lists it as *not implemented*.",
            "",
        ]
    else:
        params = ", ".join(f"`{k}={v!r}`" for k, v in chk.defaults.items()) or "none"
        lines += [
            f"**Check** (`{chk.module}.{chk.run.__name__}`): {chk.instances} instances by "
            f"default; parameters {params}. What it certifies:",
            "",
            _block(chk.run.__doc__),
        ]
        if chk.negative_control is not None:
            lines += [
                "**Negative control** (a hypothesis broken; must report the failure):",
                "",
                _block(chk.negative_control.__doc__),
            ]
        else:
            lines += ["**Negative control:** none registered.", ""]
        if chk.path is not None:
            lines += [
                f"Draw one construction: `sublevel path {claim.id} --seed 0 --plot {claim.id}.png`.",
                "",
            ]
    for note in claim.notes:
        lines.append(f"- *Note.* {_escape(note)}")
    return "\n".join(lines) + "\n"


def _table(claims: list[Any], checks: dict[str, Any], link: bool) -> list[str]:
    rows = ["| id | kind | check | statement |", "|---|---|---|---|"]
    for c in claims:
        ident = f"[`{c.id}`](claims/{c.family}.md#{c.id.replace('.', '')})" if link else f"`{c.id}`"
        short = c.statement if len(c.statement) < 140 else c.statement[:137] + "…"
        rows.append(
            f"| {ident} | {c.kind} | {'implemented' if c.id in checks else 'not implemented'} "
            f"| {_escape(short)} |"
        )
    return rows


def claim_pages() -> dict[str, str]:
    from sublevel.proofs_checks.registry import CHECKS, load_builtin_checks
    from sublevel.theory.claims import CLAIMS

    load_builtin_checks()
    by_family: dict[str, list[Any]] = {}
    for claim in CLAIMS.values():
        if claim.builtin:
            by_family.setdefault(claim.family or "other", []).append(claim)
    pages: dict[str, str] = {}
    index = [
        "# Claims",
        "",
        "Every statement sublevel checks, generated from the registry (`theory/claims.py`) and "
        "the registered checks — this page cannot drift from the code. `sublevel claims` prints "
        "the same list; `sublevel verify ID` runs a check.",
        "",
    ]
    for family, claims in by_family.items():
        title, modules = FAMILIES.get(family, (family, []))
        index += [f"## [{title}]({family}.md)", "", *_table(claims, CHECKS, link=False), ""]
        lines = [
            f"# {title}",
            "",
            *_table(claims, CHECKS, link=False),
            "",
            "## The construction",
            "",
        ]
        described = False
        for name in modules:
            module = _importable(name)
            if module is not None and module.__doc__:
                lines += [f"From `{name}`:", "", _block(module.__doc__)]
                described = True
        if not described:
            lines += ["(no construction module yet)", ""]
        lines += ["## The claims", ""]
        lines += [_claim_section(c, CHECKS.get(c.id)) for c in claims]
        pages[f"claims/{family}.md"] = "\n".join(lines)
    pages["claims/index.md"] = "\n".join(index)
    return pages


# ---------------------------------------------------------------------------- CLI


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps subcommands in a private action
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def cli_page() -> str:
    from sublevel.proofs_checks.cli import build_parser

    parser = build_parser()
    lines = [
        "# Command-line reference",
        "",
        "Generated from `sublevel.proofs_checks.cli.build_parser()`: exactly what `--help` prints.",
        "Exit codes: 0 success, 1 a claim was violated, 2 bad usage (one-line error).",
        "",
        "## `sublevel`",
        "",
        _block(parser.format_help()),
    ]

    def walk(p: argparse.ArgumentParser, prefix: str, depth: int) -> None:
        for name, sub in _subparsers(p).items():
            lines.extend([f"{'#' * depth} `{prefix} {name}`", "", _block(sub.format_help())])
            walk(sub, f"{prefix} {name}", depth + 1)

    walk(parser, "sublevel", 2)
    return "\n".join(lines)


# ---------------------------------------------------------------------------- API


def _public(module: Any) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            n
            for n, v in vars(module).items()
            if not n.startswith("_")
            and (inspect.isfunction(v) or inspect.isclass(v))
            and v.__module__ == module.__name__
        ]
    return list(names)


def _signature(obj: Any) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return "(…)"


def _member(module: Any, name: str) -> list[str]:
    obj = getattr(module, name, None)
    if obj is None:
        return []
    home = getattr(obj, "__module__", module.__name__)
    if (inspect.isclass(obj) or inspect.isfunction(obj)) and home != module.__name__:
        return [f"- `{name}` — re-exported from `{home}`", ""]
    if inspect.isclass(obj):
        lines = [f"#### class `{name}{_signature(obj)}`", "", _block(obj.__doc__)]
        for attr, value in vars(obj).items():
            if attr.startswith("_") or not (
                inspect.isfunction(value)
                or isinstance(value, (property, classmethod, staticmethod))
            ):
                continue
            fn = value.fget if isinstance(value, property) else getattr(value, "__func__", value)
            if fn is None or not fn.__doc__:
                continue
            kind = "property" if isinstance(value, property) else "method"
            sig = "" if kind == "property" else _signature(fn)
            lines += [f"- *{kind}* `{attr}{sig}`", "", textwrap.indent(_block(fn.__doc__), "    ")]
        return lines
    if inspect.isfunction(obj):
        return [f"#### `{name}{_signature(obj)}`", "", _block(obj.__doc__)]
    return [f"- `{name}` = `{_escape(repr(obj))[:200]}`", ""]


def _modules(package: str) -> list[str]:
    root = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        if info.name.startswith(API_SKIP) or any(
            part.startswith("_") for part in info.name.split(".")
        ):
            continue
        names.append(info.name)
    return sorted(names)


def api_pages() -> dict[str, str]:
    pages = {}
    index = [
        "# API reference",
        "",
        "Every public module, generated from the docstrings "
        "(signatures from `inspect`, docstrings verbatim).",
        "",
        "## The top level: `import sublevel as sl`",
        "",
        "The names a user reaches for first, loaded lazily on first use:",
        "",
        "| name | defined in | what it does |",
        "|---|---|---|",
    ]
    import sublevel

    for name, (module_name, attribute) in sorted(sublevel._API.items()):
        try:
            obj = getattr(importlib.import_module(module_name), attribute)
            doc = (inspect.getdoc(obj) or "").strip().splitlines()
            first = _escape(doc[0]) if doc else ""
        except ImportError as exc:  # an optional extra is missing
            first = f"needs an optional extra ({_escape(exc)})"
        index.append(f"| `sl.{name}` | `{module_name}` | {first} |")
    index.append("")
    for page, packages in API_PAGES.items():
        lines = [f"# `{page}`", ""]
        for package in packages:
            for name in _modules(package):
                try:
                    module = importlib.import_module(name)
                except ImportError as exc:  # an optional extra is missing
                    lines += [
                        f"## `{name}`",
                        "",
                        f"Not importable here ({_escape(exc)}): it needs an optional extra.",
                        "",
                    ]
                    continue
                lines += [f"## `{name}`", "", _block(module.__doc__)]
                for member in _public(module):
                    lines += _member(module, member)
        pages[f"api/{page}.md"] = "\n".join(lines)
        index.append(f"- [`{page}`]({page}.md)")
    pages["api/index.md"] = "\n".join(index) + "\n"
    return pages


def generated_pages() -> dict[str, str]:
    """Every generated page: path inside the docs → Markdown."""
    return {**claim_pages(), "cli.md": cli_page(), **api_pages()}


def on_files(files: Files, config: Any) -> Files:
    for path, content in generated_pages().items():
        files.append(File.generated(config, path, content=content))
    return files
