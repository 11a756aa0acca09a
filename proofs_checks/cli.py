"""The ``sublevel`` command line.

    sublevel claims [--json]                                  list claims
    sublevel verify [ID ...] [--instances N] [--seed S] [--workers W] [--out DIR] [--resume]
    sublevel lift multilinear|quadratic|feature-map [options] [--latex] [--json]
    sublevel path CLAIM [--seed S] [--param k=v] [--plot FILE] [--json]

Exit codes: 0 success, 1 a claim was violated, 2 bad usage (one-line error, no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from sublevel.theory.errors import HypothesisError, InputError

__all__ = ["main", "build_parser"]


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"sublevel: error: {message} (see '{self.prog} --help')\n")


def _positive_int(name: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} {text!r} is not an integer") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{name} {value} must be ≥ 1")
        return value

    return parse


def _int(name: str):
    def parse(text: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} {text!r} is not an integer") from None

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The ``sublevel`` argument parser: ``claims``, ``verify``, ``report``, ``lift``, ``path``
    and the subcommands of :mod:`sublevel.proofs_checks.commands` (each of those sets
    ``handler``). Bad usage exits with code 2 and a one-line error."""
    parser = _Parser(prog="sublevel", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("claims", help="list the registered claims")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="FILE",
        help="import a module of user claims/checks (repeatable)",
    )

    p = sub.add_parser("verify", help="run the claims' checks on random instances")
    p.add_argument(
        "ids", nargs="*", metavar="ID", help="claim ids (default: every implemented claim)"
    )
    p.add_argument(
        "--instances",
        type=_positive_int("--instances"),
        default=None,
        metavar="N",
        help="instances per claim (default: each claim's own)",
    )
    p.add_argument(
        "--seed", type=_int("--seed"), default=None, metavar="S", help="run seed (default 0)"
    )
    p.add_argument(
        "--instance-seed",
        type=_int("--instance-seed"),
        action="append",
        default=None,
        metavar="S",
        dest="instance_seed",
        help="run exactly the instance with this seed (repeatable; no negative control): "
        "the reproduce line of a report",
    )
    p.add_argument("--workers", type=_positive_int("--workers"), default=1, metavar="W")
    p.add_argument("--out", default="sublevel-out", metavar="DIR")
    p.add_argument(
        "--resume",
        action="store_true",
        help="skip instances already in DIR/evidence.jsonl; ids, --seed, --instances and "
        "--param not given are taken from DIR/run.json",
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="[ID:]KEY=VALUE",
        help="override a check parameter (for every selected claim that has it, or one claim)",
    )
    p.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="FILE",
        help="import a module of user claims/checks (repeatable)",
    )
    p.add_argument(
        "--executor",
        choices=("process", "thread", "inline"),
        default="process",
        help="how instances run locally (default: a process pool)",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--dask",
        choices=("local",),
        default=None,
        help="run on a dask LocalCluster with --workers worker processes",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="run on a running dask scheduler, e.g. tcp://10.0.0.5:8786",
    )
    p.add_argument(
        "--scheduler-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long to wait for the scheduler to answer (default 10)",
    )
    p.add_argument("--html", action="store_true", help="also write a self-contained report.html")
    p.add_argument("--no-figures", action="store_true", help="skip the figures of the report")
    p.add_argument("--quiet", action="store_true", help="no table, no progress bar")

    p = sub.add_parser("report", help="rebuild report.json/md (and --html) from DIR/evidence.jsonl")
    p.add_argument("out", metavar="DIR")
    p.add_argument("--html", action="store_true")
    p.add_argument("--no-figures", action="store_true")

    p = sub.add_parser("lift", help="print a convex lifting symbolically")
    lift = p.add_subparsers(dest="lifting", required=True, parser_class=_Parser)
    q = lift.add_parser(
        "multilinear", help="(W_1..W_K) ↦ W_K⋯W_1, Hessian of the lifted loss, GL invariance"
    )
    q.add_argument("--widths", default="2,3,2", help="n,n_1,…,m (default 2,3,2)")
    q.add_argument(
        "--samples", type=_positive_int("--samples"), default=3, help="symbolic data size L"
    )
    q = lift.add_parser("quadratic", help="ρ(z)=z²: A_W(xxᵀ), Σ u_k w_k w_kᵀ, lifted dimensions")
    q.add_argument("--n", type=_positive_int("--n"), default=2, help="input dimension N")
    q.add_argument("--units", type=_positive_int("--units"), default=2, help="hidden units p")
    q.add_argument("--layers", type=_positive_int("--layers"), default=3, help="quadratic layers K")
    q = lift.add_parser("feature-map", help="ρ(⟨w,x⟩) = ⟨A(w),Ψ(x)⟩ and the intrinsic dimension")
    q.add_argument(
        "--activation", required=True, help="sympy expression in one symbol, e.g. 'z**3 - z'"
    )
    q.add_argument("--n", type=_int("--n"), required=True, help="input dimension n ≥ 1")
    for q in lift.choices.values():
        q.add_argument("--latex", action="store_true", help="LaTeX output")
        q.add_argument("--json", action="store_true", help="JSON output")

    p = sub.add_parser("path", help="build one construction and show its energy profile")
    p.add_argument("claim", metavar="CLAIM")
    p.add_argument("--seed", type=_int("--seed"), default=0)
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--plot", metavar="FILE", help="write a PNG of the energy along the path")
    p.add_argument("--json", action="store_true")
    p.add_argument("--plugin", action="append", default=[], metavar="FILE")
    _add_extra_commands(sub)
    return parser


def _add_extra_commands(sub: Any) -> None:
    """Subcommands contributed by the modules of :mod:`sublevel.proofs_checks.commands`.

    Each such module defines ``add_parser(subparsers)``, which adds its subcommand and sets
    ``handler=fn`` (``fn(args) -> exit code``) with ``set_defaults``.
    """
    import importlib
    import pkgutil

    package = importlib.import_module("sublevel.proofs_checks.commands")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"sublevel.proofs_checks.commands.{info.name}")
        module.add_parser(sub)


# ---------------------------------------------------------------------------- helpers


def _parse_params(items: Sequence[str], ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``[ID:]KEY=VALUE`` items → {claim id: {key: value}} for the selected claims."""
    from sublevel.proofs_checks.registry import CHECKS

    out: dict[str, dict[str, Any]] = {}
    for item in items:
        target, _, assignment = (
            item.rpartition(":") if ":" in item.split("=", 1)[0] else ("", "", item)
        )
        key, sep, value = assignment.partition("=")
        if not sep or not key:
            raise InputError(f"--param {item!r} is not KEY=VALUE or ID:KEY=VALUE")
        if target:
            if target not in ids:
                raise InputError(f"--param {item!r} names claim {target!r}, which is not selected")
            out.setdefault(target, {})[key] = value
            continue
        matched = [cid for cid in ids if cid in CHECKS and key in CHECKS[cid].defaults]
        if not matched:
            raise InputError(f"--param {key!r}: no selected claim has a parameter of that name")
        for cid in matched:
            out.setdefault(cid, {})[key] = value
    return out


def escape(text: Any) -> str:
    """Text shown verbatim in a rich table (labels like "[constant energy]" are not markup)."""
    from rich.markup import escape as rich_escape

    return rich_escape(str(text))


def _console(stderr: bool = False):
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not console.is_terminal:  # piped or captured: wide enough that ids never fold
        console = Console(stderr=stderr, highlight=False, soft_wrap=False, width=160)
    return console


# ---------------------------------------------------------------------------- commands


def cmd_claims(args: argparse.Namespace) -> int:
    """``sublevel claims``: list every registered claim (builtin and ``--plugin``) with its kind,
    section, statement and whether a check implements it; ``--json`` prints the rows
    (``Claim.to_dict`` plus ``implemented``/``status``) instead of the table. Exit code 0."""
    from sublevel.proofs_checks.registry import CHECKS, load_builtin_checks, load_plugin
    from sublevel.theory.claims import CLAIMS

    load_builtin_checks()
    for plugin in args.plugin:
        load_plugin(plugin)
    rows = []
    for cid, claim in CLAIMS.items():
        d = claim.to_dict()
        d["implemented"] = cid in CHECKS
        d["status"] = "implemented" if cid in CHECKS else "not implemented"
        rows.append(d)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    from rich.table import Table

    table = Table(title=f"sublevel claims ({len(rows)})", show_lines=False)
    table.add_column("id", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("check", no_wrap=True)
    table.add_column("§", no_wrap=True)
    table.add_column("statement", overflow="fold")
    for r in rows:
        statement = r["statement"] if len(r["statement"]) < 110 else r["statement"][:107] + "…"
        table.add_row(
            *(escape(x) for x in (r["id"], r["kind"], r["status"], r["section"], statement))
        )
    _console().print(table)
    return 0


_STATUS_STYLE = {
    "verified": "bold green",
    "supported": "green",
    "refuted": "green",
    "counterexample": "bold magenta",
    "violated": "bold red",
    "inconclusive": "yellow",
    "not implemented": "dim",
}


def cmd_verify(args: argparse.Namespace) -> int:
    """``sublevel verify``: run the selected claims' checks (default: every implemented claim) on
    their instances and negative controls, locally or on dask, writing ``DIR/evidence.jsonl``,
    ``run.json`` and the report; ``--resume`` takes what was not repeated from ``DIR/run.json``.
    Exit code 0, 1 if a claim is violated, 130 if interrupted (resume hint on stderr); bad input
    raises :class:`InputError` (exit 2 in :func:`main`)."""
    from contextlib import AbstractContextManager, nullcontext

    from sublevel.proofs_checks.registry import load_plugin
    from sublevel.proofs_checks.runner import resolve_claims

    if args.resume:
        _fill_from_run_file(args)
    if args.seed is None:
        args.seed = 0
    for plugin in args.plugin:
        load_plugin(plugin)
    ids = resolve_claims(args.ids)
    params = _parse_params(args.param, ids) if isinstance(args.param, list) else args.param
    context: AbstractContextManager[Any]
    if args.dask or args.scheduler:
        from sublevel.proofs_checks.distributed import dask_executor

        context = dask_executor(
            args.scheduler, workers=args.workers, timeout=args.scheduler_timeout
        )
    else:
        context = nullcontext(args.executor)
    with context as executor:
        return _verify(args, ids, params, executor)


def _fill_from_run_file(args: argparse.Namespace) -> None:
    """On --resume, what the user did not repeat comes from the interrupted run's run.json."""
    from sublevel.proofs_checks.runner import read_run_file

    run = read_run_file(args.out)
    if run is None:
        return
    if not args.ids:
        args.ids = run["claims"]
    if args.seed is None:
        args.seed = run["seed"]
    if args.instances is None:
        args.instances = run["instances"]
    if args.instance_seed is None and run.get("instance_seeds") is not None:
        args.instance_seed = run["instance_seeds"]
    if not args.param and run.get("params"):
        args.param = run["params"]
    for plugin in run.get("plugins", []):
        if plugin not in args.plugin:
            args.plugin.append(plugin)


def _verify(args: argparse.Namespace, ids: list[str], params: dict[str, Any], executor: Any) -> int:
    from sublevel.proofs_checks.runner import run_verification

    console = _console(stderr=True)
    show_progress = not args.quiet and console.is_terminal
    run_args: dict[str, Any] = {
        "instances": args.instances,
        "seed": args.seed,
        "workers": args.workers,
        "out": args.out,
        "resume": args.resume,
        "executor": executor,
        "params": params,
        "plugins": args.plugin,
        "figures": not args.no_figures,
        "html": args.html,
        "instance_seeds": args.instance_seed,
    }

    if show_progress:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        progress = Progress(
            TextColumn("[bold]verify"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=True,
        )
        task_id = progress.add_task("", total=None)

        def report_progress(done: int, total: int, record: dict[str, Any] | None) -> None:
            desc = f"{record['claim']} #{record['index']}: {record['outcome']}" if record else ""
            progress.update(task_id, completed=done, total=total, description=desc)

        with progress:
            result = run_verification(ids, progress=report_progress, **run_args)
    else:
        result = run_verification(ids, **run_args)
    if not args.quiet:
        _print_report_table(result.report)
        written = ", ".join(str(p) for k, p in result.paths.items() if k != "figures")
        _console().print(
            f"[dim]{result.computed} instances computed, {result.reused} reused; report: "
            f"{written}[/dim]"
        )
    if result.interrupted:
        print(
            f"sublevel: interrupted; resume with: sublevel verify --resume --out {args.out}",
            file=sys.stderr,
        )
        return 130
    return result.exit_code


def _print_report_table(report: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=f"sublevel verify (seed {report['seed']})")
    for col in (
        "claim",
        "kind",
        "status",
        "n",
        "✓",
        "~",
        "✗",
        "?",
        "worst margin",
        "decided by",
        "neg. control",
        "time",
    ):
        table.add_column(col, overflow="fold")
    for c in report["claims"]:
        margin = c["worst_margin"]
        table.add_row(
            escape(c["id"]),
            c["kind"],
            f"[{_STATUS_STYLE.get(c['status'], '')}]{c['status']}[/]",
            str(c["instances"]),
            str(c["verified"]),
            str(c.get("supported", 0)),
            str(c["violated"]),
            str(c["inconclusive"]),
            "—" if margin is None else f"{margin:.3g}",
            escape(",".join(c.get("deciding_methods", [])) or "—"),
            c["negative_control"]["outcome"],
            f"{report['wall_time_per_claim'].get(c['id'], 0):.1f}s",
        )
    _console().print(table)


def cmd_report(args: argparse.Namespace) -> int:
    """``sublevel report DIR``: rebuild report.json/md (figures, ``--html``) from
    ``DIR/run.json`` and ``DIR/evidence.jsonl`` without computing anything, and print the table.
    Exit code 0, 1 if a claim is violated; 2 (via :class:`InputError`) if DIR is not a sublevel
    output folder of this schema."""
    from sublevel.proofs_checks.runner import rebuild_report

    result = rebuild_report(args.out, figures=not args.no_figures, html=args.html)
    _print_report_table(result.report)
    return result.exit_code


def cmd_lift(args: argparse.Namespace) -> int:
    """``sublevel lift multilinear|quadratic|feature-map``: print a convex lifting symbolically
    (:mod:`sublevel.proofs_checks.lift_output`) as text, ``--latex`` or ``--json``. Exit code 0;
    2 for bad widths or an activation that is not a polynomial-compatible expression."""
    from sublevel.proofs_checks import lift_output

    if args.lifting == "multilinear":
        widths = _parse_widths(args.widths)
        data = lift_output.multilinear(widths, samples=args.samples)
    elif args.lifting == "quadratic":
        data = lift_output.quadratic(args.n, args.units, args.layers)
    else:
        data = lift_output.feature_map(args.activation, args.n)
    if args.json:
        print(json.dumps(data["json"], indent=2, ensure_ascii=False))
    elif args.latex:
        print(data["latex"])
    else:
        print(data["text"])
    return 0


def _parse_widths(text: str) -> list[int]:
    try:
        widths = [int(w) for w in text.split(",") if w.strip()]
    except ValueError:
        raise InputError(f"--widths {text!r} is not a comma-separated list of integers") from None
    if len(widths) < 2 or min(widths) < 1:
        raise InputError(f"--widths {text!r}: need at least two widths, each ≥ 1")
    return widths


def cmd_path(args: argparse.Namespace) -> int:
    """``sublevel path CLAIM``: build the claim's path construction for ``--seed``/``--param``,
    certify the energy along each piece against the claim's bound and print one row per
    certificate (``--json``: the summary; ``--plot FILE``: a PNG of the profile). Exit code 0 if
    every certificate holds, 1 otherwise, 2 if the claim has no path construction."""
    from sublevel.numerics.certify import certify_path
    from sublevel.numerics.profile import plot_energy_profile
    from sublevel.proofs_checks.registry import get_check, load_plugin

    for plugin in args.plugin:
        load_plugin(plugin)
    chk = get_check(args.claim)
    if chk is None or chk.path is None:
        from sublevel.proofs_checks.registry import CHECKS, load_builtin_checks

        load_builtin_checks()
        have = sorted(cid for cid, c in CHECKS.items() if c.path is not None)
        raise InputError(
            f"claim {args.claim!r} has no path construction; claims with one: {', '.join(have) or 'none'}"
        )
    params = _parse_params(args.param, [args.claim]).get(args.claim, {})
    profile = chk.path(args.seed, **chk.params(params))
    certs = profile.certificates or certify_path(profile.landscape, profile.path, profile.bound).all
    summary = {
        "claim": args.claim,
        "seed": args.seed,
        "bound": profile.bound,
        "pieces": [{"label": p.label, "promise": p.promise} for p in profile.path.pieces],
        "certificates": [c.to_dict() for c in certs],
        "holds": all(c.holds for c in certs),
        "info": profile.info,
    }
    if args.plot:
        summary["plot"] = str(plot_energy_profile(profile, args.plot))
    if args.json:
        print(json.dumps(summary, indent=2, default=str, ensure_ascii=False))
    else:
        from rich.table import Table

        table = Table(title=f"{args.claim} (seed {args.seed}): bound {profile.bound:.6g}")
        for col in ("piece", "promise", "method", "max energy", "margin", "holds"):
            table.add_column(col, overflow="fold")
        for c in certs:
            table.add_row(
                escape(c.label),
                escape(c.promise),
                c.method,
                f"{c.max_energy:.6g}",
                f"{c.margin:.3g}",
                "yes" if c.holds else "[red]no[/red]",
            )
        _console().print(table)
        if args.plot:
            print(f"plot written to {summary['plot']}")
    return 0 if summary["holds"] else 1


COMMANDS = {
    "claims": cmd_claims,
    "verify": cmd_verify,
    "report": cmd_report,
    "lift": cmd_lift,
    "path": cmd_path,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sublevel`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        handler = COMMANDS.get(args.command) or args.handler
        return int(handler(args))
    except HypothesisError as exc:
        hint = f" (claim {exc.alternative} applies instead)" if exc.alternative else ""
        print(f"sublevel: error: {exc}{hint}", file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"sublevel: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sublevel: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
