"""Settings dataclasses whose fields are also command-line flags: ``max_length`` is ``--max-length``.

A field's type annotation is its flag's type and ``metadata["help"]`` its help text.  A bool
field reads ``true``/``false`` (also ``yes``/``no``, ``on``/``off``, ``1``/``0``); given alone,
its flag means true.  Checks across fields live in each dataclass's ``__post_init__``, so a
setting built in code is checked like one from the command line.

The flags are added to the parser the caller already has (a ``jprivacy`` subcommand), with the
standard library's argparse: ``transformers.HfArgumentParser`` does the same from the same
fields, but importing it loads transformers into every ``jprivacy`` command, ``--help`` included.
"""

from __future__ import annotations

import argparse
import dataclasses
import typing

from jprivacy.backends.base import Settings

_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def flag(default, help: str):
    """A dataclass field that is a flag with ``help`` (its default is added to the help text)."""
    return dataclasses.field(default=default, metadata={"help": help})


def parse_bool(text: str) -> bool:
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, not {text!r}")


class FlagConfig(Settings):
    """Mixin for a :class:`~jprivacy.backends.base.Settings` dataclass whose fields are flags."""

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        types = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            kind = types[f.name]
            options = {"type": parse_bool, "nargs": "?", "const": True} if kind is bool else {"type": kind}
            help_text = f.metadata.get("help", "")
            parser.add_argument("--" + f.name.replace("_", "-"), default=f.default, metavar=kind.__name__.upper(),
                                help=f"{help_text} (default: %(default)s)" if help_text else "default: %(default)s",
                                **options)

    @classmethod
    def from_args(cls, args: argparse.Namespace):
        """The settings the parsed command line gives (checked by ``__post_init__``)."""
        return cls(**{f.name: getattr(args, f.name) for f in dataclasses.fields(cls)})
