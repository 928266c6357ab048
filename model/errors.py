"""jprivacy's errors: one family, raised by the library, mapped to exit codes by the CLI alone.

- :class:`JprivacyError`: the base; the ``jprivacy`` command reports any of them in one line and
  exits with 2.  Any other exception is a bug and shows its traceback.
- :class:`UsageError`: a path, flag, setting or file content the caller gave that cannot be used
  (also a ValueError, so code that catches those still catches it).
- :class:`~jprivacy.model_folder.ModelFolderError`: a model folder that cannot be used.
- :class:`~jprivacy.outputs.OutputBusyError`: another run is writing the same output.
- :class:`~jprivacy.train.transformer.BaseModelError`: a base model that cannot be found.

Bad inputs among many (an unreadable file in a folder) are not raised: they come back as
:class:`~jprivacy.readers.ReadError` values in their place, so the other inputs go on.
"""


class JprivacyError(Exception):
    """Base of the errors jprivacy raises on purpose; ``str()`` is one line saying what and where."""


class UsageError(JprivacyError, ValueError):
    """A path, flag, setting or file content given by the caller that cannot be used."""
