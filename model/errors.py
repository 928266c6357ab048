"""The error for a value a caller gave that jprivacy refuses."""


class UsageError(ValueError):
    """A path, flag, setting or file content given by the caller that cannot be used; the message
    says what and where, in one line.  The ``jprivacy`` command reports it in that line with exit
    code 2 (as it does :class:`~jprivacy.ModelFolderError` and
    :class:`~jprivacy.outputs.OutputBusyError`); any other exception is a bug and shows its
    traceback.  A ValueError, so code that catches those still catches it."""
