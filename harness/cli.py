"""The ``grader`` command: a Click group whose subcommands live one per module in :mod:`harness.commands`.

A module there that defines a ``command`` (a :class:`click.Command`) is a subcommand; nothing is
registered by hand, so adding ``grader bench`` means adding ``harness/commands/bench.py``.
"""

from __future__ import annotations

import importlib
import os
import pkgutil

import click

from harness import __version__

# Quiet TensorFlow's C++ start-up chatter before anything imports it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


class UsageError(click.UsageError):
    """Bad input from the user: exit 2 with one line naming what and what to do."""


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grader")
def main() -> None:
    """Grade Keras coursework against the course's reference implementations."""


def _register() -> None:
    import harness.commands as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"harness.commands.{info.name}")
        command = getattr(module, "command", None)
        if isinstance(command, click.Command):
            main.add_command(command)


_register()
