"""The ``grader`` command: a Click group whose subcommands live one per module in :mod:`harness.commands`.

A module ``harness/commands/<name>.py`` that defines a ``command`` (a :class:`click.Command` named ``<name>``)
is the subcommand ``grader <name>``; nothing is registered by hand, so adding ``grader bench`` means adding
``harness/commands/bench.py``. A subcommand's module is imported only when it runs (``--help`` imports them
all, for their one-line help): ``grader list`` or ``grader leaderboard`` never pay for what ``grader run``
imports.
"""

from __future__ import annotations

import importlib
import os
import pkgutil

import click

from harness import __version__

# Quiet TensorFlow's C++ start-up chatter before anything imports it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def command_names() -> list[str]:
    """The subcommands: the public modules of :mod:`harness.commands`, by name."""
    import harness.commands as package

    return sorted(info.name for info in pkgutil.iter_modules(package.__path__) if not info.name.startswith("_"))


class _Refused(click.ClickException):
    """A :class:`~harness.errors.GraderError` said as click says a usage error: ``Error: …``, exit status 2."""

    exit_code = 2


class CommandFolder(click.Group):
    """A group whose commands are the modules of :mod:`harness.commands`, each imported when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return command_names()

    def invoke(self, ctx: click.Context) -> object:
        """Run the subcommand; a :class:`~harness.errors.GraderError` that no command turned into a message of
        its own (a malformed reference module, say) is still one line and exit status 2, never a traceback."""
        from harness.errors import GraderError

        try:
            return super().invoke(ctx)
        except GraderError as exc:
            raise _Refused(str(exc)) from exc

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in command_names():
            return None
        command = getattr(importlib.import_module(f"harness.commands.{cmd_name}"), "command", None)
        if not isinstance(command, click.Command) or command.name != cmd_name:
            raise RuntimeError(f"harness/commands/{cmd_name}.py must define `command`, a click command "
                               f"named {cmd_name!r}")
        return command


@click.group(cls=CommandFolder, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grader")
def main() -> None:
    """Grade Keras coursework against the course's reference implementations."""
