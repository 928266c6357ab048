"""The jprivacy command: segment Japanese privacy policies into clauses and label what each discloses."""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
import threading

from jprivacy import __version__
from jprivacy.errors import JprivacyError, UsageError

from . import classify, diff, evaluate, evaluate_fields, export, fields, pretrain, report, tag, train, validate_data
from ._util import EXIT_PIPE_CLOSED, EXIT_USAGE, FlagsError

__all__ = ["main", "build_parser", "UsageError"]


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line, one subcommand per module of this package.  The settings flags of
    ``train`` and ``pretrain`` are added only when ``command`` is theirs, so every other command
    starts without reading them."""
    parser = argparse.ArgumentParser(prog="jprivacy", description=__doc__)
    parser.add_argument("--version", action="version", version=f"jprivacy {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (tag, fields, classify, evaluate, evaluate_fields, report, diff):
        module.add_parser(sub)
    train.add_parser(sub, settings=command == "train")
    pretrain.add_parser(sub, settings=command == "pretrain")
    export.add_parser(sub)
    validate_data.add_parser(sub)
    return parser


def main(argv=None) -> int:
    """Run one command; its exit code: 0 done, 1 some inputs failed, 2 a usage error (one line).
    Any other exception is a bug, and shows its traceback."""
    argv = sys.argv[1:] if argv is None else list(argv)
    streams = [s for s in (sys.stdout, sys.stderr) if hasattr(s, "reconfigure")]
    before = [s.errors for s in streams]
    for stream in streams:  # a cp932 or EUC-JP terminal: escape what it cannot show
        stream.reconfigure(errors="backslashreplace")
    parser = build_parser(next((a for a in argv if not a.startswith("-")), None))
    args = parser.parse_args(argv)
    main_thread = threading.current_thread() is threading.main_thread()  # signals go to the main thread only
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None  # clean up staging folders
    try:
        code = args.run(args)
        try:
            sys.stdout.flush()
        except OSError as err:  # stdout itself failed (a full disk, `> /dev/full`): one line, no second error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            print(f"jprivacy {args.command}: cannot write to stdout ({err.strerror or err})", file=sys.stderr)
            return EXIT_USAGE
        return code
    except FlagsError as err:
        parser.error(str(err))
    except JprivacyError as err:  # the library's errors: one line, exit 2
        print(f"jprivacy {args.command}: {err}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader of stdout went away (`| head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return EXIT_PIPE_CLOSED
    except KeyboardInterrupt:
        resumable = args.command == "tag" and getattr(args, "output", None) not in (None, "-")
        print("interrupted" + ("; rerun with --resume to finish" if resumable else ""), file=sys.stderr)
        return 130
    except OSError as err:
        if err.errno not in _WRITE_ERRNOS or err.filename is not None:
            raise
        # a write with no file name: stdout (a full disk, `> /dev/full`); outputs with a name say it themselves
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(f"jprivacy {args.command}: cannot write to stdout ({err.strerror or err})", file=sys.stderr)
        return EXIT_USAGE
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
        for stream, errors in zip(streams, before):
            stream.reconfigure(errors=errors)


_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


def _terminate(signum, frame):
    """SIGTERM (a job scheduler's stop) unwinds like Ctrl-C, so that unfinished outputs are
    removed or left resumable rather than abandoned."""
    raise KeyboardInterrupt
