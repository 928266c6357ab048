"""Settings dataclasses whose fields are also command-line flags."""

from __future__ import annotations

import argparse
import dataclasses


class FlagConfig:
    """Mixin for a dataclass: each field ``max_length`` is the flag ``--max-length``."""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        for f in dataclasses.fields(cls):
            parser.add_argument("--" + f.name.replace("_", "-"), type=type(f.default), default=f.default,
                                help=f"default: {f.default}")

    @classmethod
    def from_args(cls, args: argparse.Namespace):
        return cls(**{f.name: getattr(args, f.name) for f in dataclasses.fields(cls)})
