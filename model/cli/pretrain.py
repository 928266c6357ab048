"""jprivacy pretrain: build a compact Japanese BERT offline (vocabulary, then masked-LM pretraining)."""

from __future__ import annotations

from ._util import EXIT_OK, WILD, existing_folder, log


def add_parser(sub, settings: bool) -> None:
    """The ``pretrain`` command; its settings become flags when ``settings`` is true (when
    ``pretrain`` is the command given)."""
    parser = sub.add_parser("pretrain", parents=[WILD],
                            help="build a compact Japanese BERT offline (vocabulary + masked LM)")
    parser.add_argument("--output", required=True, help="folder for the pretrained model (a --base-model)")
    parser.add_argument("--extra-text", help="folder of additional unlabeled policy texts")
    if settings:
        from jprivacy.settings import PretrainConfig

        PretrainConfig.add_arguments(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    from jprivacy.settings import PretrainConfig
    from jprivacy.train.pretrain import pretrain

    extra, wild = existing_folder(args.extra_text), existing_folder(args.wild)
    pretrain(args.output, PretrainConfig.from_args(args), extra, wild=wild, log=log)
    return EXIT_OK
