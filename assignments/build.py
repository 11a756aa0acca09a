"""Build the student and solution notebooks from the jupytext sources (one command).

    python -m assignments.build                 # every assignment → assignments/_build/
    python -m assignments.build --out DIR 01_deep_linear
    python -m assignments.build --execute       # also run each solution notebook headless

Writes ``DIR/student/<folder>.ipynb`` (solutions stripped) and ``DIR/solution/<folder>.ipynb``.
Solution markers in a source (``<folder>/<name>.py``, jupytext percent format):

* a block between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` lines becomes
  ``# YOUR CODE HERE`` + ``raise NotImplementedError("YOUR CODE HERE")`` (same indentation)
  in the student version; the marker lines are removed from the solution;
* a line ending in ``# SOLUTION`` keeps its left-hand side: ``x = f(y)  # SOLUTION`` becomes
  ``x = ...  # YOUR CODE HERE``.

The markers are nbgrader's (``### BEGIN SOLUTION``); the graders are plain pytest files
(``assignments/<folder>/grade.py``), not nbgrader or otter test cells.
"""

from __future__ import annotations

import argparse
import re
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT.parent) not in sys.path:  # ``python assignments/build.py`` as well as ``-m``
    sys.path.insert(0, str(ROOT.parent))

from assignments import ASSIGNMENTS  # noqa: E402

__all__ = ["source_of", "strip", "solution", "build", "execute", "kernel_manager"]

BEGIN, END, LINE = "### BEGIN SOLUTION", "### END SOLUTION", "# SOLUTION"
STUB = 'raise NotImplementedError("YOUR CODE HERE")'
DEFAULT_OUT = ROOT / "_build"
KERNEL_NAME = "sublevel-course"


def source_of(folder: str) -> Path:
    """The jupytext source of an assignment folder (the one .py that is not grade.py)."""
    candidates = [p for p in sorted((ROOT / folder).glob("*.py")) if p.name != "grade.py"]
    if len(candidates) != 1:
        raise SystemExit(
            f"assignment {folder!r}: expected one notebook source, found "
            f"{[p.name for p in candidates]}"
        )
    return candidates[0]


def _transform(text: str, student: bool) -> str:
    out: list[str] = []
    inside = False
    indent = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"line {number}: nested {BEGIN}")
            inside, indent = True, line[: len(line) - len(line.lstrip())]
            if student:
                out += [f"{indent}# YOUR CODE HERE", f"{indent}{STUB}"]
            continue
        if stripped == END:
            if not inside:
                raise ValueError(f"line {number}: {END} without {BEGIN}")
            inside = False
            continue
        if inside:
            if not student:
                out.append(line)
            continue
        if line.rstrip().endswith(LINE):
            code = line.rstrip()[: -len(LINE)].rstrip()
            if student:
                match = re.match(r"^(\s*[^=]+?=)\s", code)
                if match is None:
                    raise ValueError(f"line {number}: '{LINE}' needs an assignment `x = ...`")
                out.append(f"{match.group(1)} ...  # YOUR CODE HERE")
            else:
                out.append(code)
            continue
        out.append(line)
    if inside:
        raise ValueError(f"{BEGIN} without {END}")
    return "\n".join(out) + "\n"


def strip(text: str) -> str:
    """The student version of a source: every solution replaced by a stub."""
    return _transform(text, student=True)


def solution(text: str) -> str:
    """The solution version of a source: the markers removed."""
    return _transform(text, student=False)


def _notebook(text: str) -> object:
    import jupytext

    nb = jupytext.reads(text, fmt="py:percent")
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata.setdefault("language_info", {"name": "python"})
    nb.metadata.get("jupytext", {}).pop("text_representation", None)
    return nb


def build(
    names: list[str] | None = None, out: Path | str = DEFAULT_OUT
) -> dict[str, dict[str, Path]]:
    """Write ``out/student/<name>.ipynb`` and ``out/solution/<name>.ipynb`` for each assignment;
    returns {name: {"student": path, "solution": path, "source": path}}."""
    import jupytext

    out = Path(out)
    result: dict[str, dict[str, Path]] = {}
    for name in names or list(ASSIGNMENTS):
        if name not in ASSIGNMENTS:
            raise SystemExit(f"unknown assignment {name!r}; known: {', '.join(ASSIGNMENTS)}")
        src = source_of(name)
        text = src.read_text(encoding="utf-8")
        paths = {"source": src}
        for kind, version in (("student", strip(text)), ("solution", solution(text))):
            target = out / kind / f"{name}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            jupytext.write(_notebook(version), str(target), fmt="ipynb")
            paths[kind] = target
        result[name] = paths
    return result


def kernel_manager(workdir: Path) -> object:
    """A kernel manager for *this* interpreter: a kernelspec written to ``workdir`` that runs
    ``sys.executable -m ipykernel_launcher`` (so a stale user-wide "python3" kernel, or none at
    all on a fresh machine, does not matter)."""
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    kernels = Path(workdir) / "kernels"
    spec_dir = kernels / KERNEL_NAME
    if not (spec_dir / "kernel.json").exists():
        write_kernel_spec(
            str(spec_dir),
            overrides={
                "display_name": "sublevel course",
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            },
        )
    ksm = KernelSpecManager(kernel_dirs=[str(kernels)])
    # the connection file next to the kernelspec: no need for a writable Jupyter runtime dir
    connection = Path(workdir) / f"kernel-{uuid.uuid4().hex}.json"
    return KernelManager(
        kernel_name=KERNEL_NAME, kernel_spec_manager=ksm, connection_file=str(connection)
    )


def execute(
    notebook: Path | str,
    *,
    workdir: Path | str | None = None,
    timeout: int = 120,
    allow_errors: bool = False,
) -> object:
    """Run a notebook headless through a real Jupyter kernel (nbclient + ipykernel) and return
    the executed notebook; ``allow_errors`` keeps going after a failing cell."""
    import nbformat
    from nbclient import NotebookClient

    notebook = Path(notebook)
    workdir = Path(workdir) if workdir is not None else notebook.parent
    nb = nbformat.read(str(notebook), as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNEL_NAME,
        km=kernel_manager(workdir),
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m assignments.build", description="Build student and solution notebooks."
    )
    parser.add_argument(
        "names", nargs="*", help=f"assignments (default: all of {', '.join(ASSIGNMENTS)})"
    )
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="output folder")
    parser.add_argument(
        "--execute",
        action="store_true",
        help="run each solution notebook headless (nbclient) after building",
    )
    args = parser.parse_args(argv)
    built = build(args.names or None, args.out)
    for name, paths in built.items():
        print(f"{name}: {paths['student']}  {paths['solution']}")
        if args.execute:
            execute(paths["solution"])
            print(f"{name}: solution notebook executed without errors")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
