"""The flag machinery of :mod:`jprivacy.settings`, under the name it had before it moved
there (``jprivacy.train.pretrain`` and older code import it from here)."""

from jprivacy.settings import FlagConfig, flag, parse_bool

__all__ = ["FlagConfig", "flag", "parse_bool"]
