"""``grader list``: every assignment the course teaches, with its seed, kind and expected parameters.

The parameter counts are the ones each reference declares (``tests/test_catalog.py`` builds every model and
asserts them), so listing builds nothing and imports no Keras.
"""

from __future__ import annotations

import json
from typing import Any

import click
from tabulate import tabulate

from harness.catalog import ModelAssignment, load_catalog


def _rows() -> list[dict[str, Any]]:
    rows = []
    for assignment in load_catalog().values():
        row: dict[str, Any] = {"id": assignment.id, "kind": assignment.kind, "seed": assignment.seed,
                               "title": assignment.title}
        if isinstance(assignment, ModelAssignment):
            row["expected_params"] = assignment.total_params
            row["accepted_params"] = [v.total_params for v in assignment.variants if v.total_params]
            row["dataset"] = assignment.training.dataset if assignment.training else None
        else:
            row["function"] = assignment.function
        rows.append(row)
    return rows


@click.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def command(fmt: str) -> None:
    """List every assignment with its seed, kind and expected parameter count."""
    rows = _rows()
    if fmt == "json":
        click.echo(json.dumps({"assignments": rows}, indent=2, ensure_ascii=False))
        return
    table = [(r["id"], r["kind"], r["seed"][:3], f"{r['expected_params']:,}" if r.get("expected_params") else
              r.get("function", ""), r["title"]) for r in rows]
    click.echo(tabulate(table, headers=["id", "kind", "seed", "params / function", "title"]))
