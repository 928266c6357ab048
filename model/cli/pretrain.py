"""jprivacy pretrain: build a compact Japanese BERT offline (vocabulary, then masked-LM pretraining)."""

from __future__ import annotations

from jprivacy.errors import UsageError

from ._util import EXIT_OK, WILD, check_output_folder, existing_folder, log, output_error


def add_parser(sub, settings: bool) -> None:
    """The ``pretrain`` command; its settings become flags when ``settings`` is true (when
    ``pretrain`` is the command given)."""
    parser = sub.add_parser("pretrain", parents=[WILD],
                            help="build a compact Japanese BERT offline (vocabulary + masked LM or ELECTRA)")
    parser.add_argument("--output", required=True, help="folder for the pretrained model (a --base-model)")
    parser.add_argument("--extra-text", help="folder of additional unlabeled policy texts")
    parser.add_argument("--init-from", metavar="DIR", help="continue pretraining a model this command built "
                                                           "before (its vocabulary and weights)")
    if settings:
        from jprivacy.train.config import PretrainConfig

        PretrainConfig.add_arguments(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    from jprivacy.train.config import PretrainConfig
    from jprivacy.train.pretrain import check_continuable, pretrain

    extra, wild, init_from = (existing_folder(p) for p in (args.extra_text, args.wild, args.init_from))
    config = PretrainConfig.from_args(args)
    check_output_folder(args.output)
    if init_from is not None:
        try:
            check_continuable(init_from, config)
        except ValueError as err:
            raise UsageError(str(err)) from None
    try:
        pretrain(args.output, config, extra, wild=wild, init_from=init_from, log=log)
    except OSError as err:  # a full disk or a vanished folder while writing the model
        raise output_error(args.output, err) from None
    return EXIT_OK
