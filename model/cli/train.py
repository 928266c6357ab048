"""jprivacy train: train a model folder on the corpus, and score it by policy-grouped k-fold."""

from __future__ import annotations

from jprivacy.errors import UsageError

from jprivacy.backends import TRAINABLE

from ._util import EXIT_OK, WILD, FlagsError, check_output_folder, existing_folder, log, output_error


def add_parser(sub, settings: bool) -> None:
    """The ``train`` command; the transformer's settings become flags when ``settings`` is true
    (when ``train`` is the command given: the other commands need not read them)."""
    parser = sub.add_parser("train", parents=[WILD], help="train a model folder on the corpus in data/")
    parser.add_argument("--backend", choices=TRAINABLE, default="linear",
                        help="linear: TF-IDF and logistic regression (default); transformer: fine-tune "
                             "--base-model; ensemble: both, their scores combined (--combine)")
    parser.add_argument("--transformer-model", metavar="DIR",
                        help="ensemble: a transformer model folder fine-tuned before on the same splits, "
                             "used as the ensemble's transformer instead of fine-tuning one")
    parser.add_argument("--linear-model", metavar="DIR",
                        help="ensemble: a linear model folder trained before on the same splits, used as "
                             "the ensemble's linear member as it is (with its own thresholds)")
    parser.add_argument("--weights", type=float, nargs=2, metavar=("LINEAR", "TRANSFORMER"),
                        help="ensemble: the members' weights (default 0.5 0.5)")
    parser.add_argument("--combine", choices=["mean", "log-odds"], default="mean",
                        help="ensemble: mean of probabilities with thresholds tuned on validation (default), "
                             "or weighted sum of each member's log-odds centred on its own thresholds")
    parser.add_argument("--output", help="model folder to write")
    parser.add_argument("--labels", metavar="A,B,C", help="train a model of these labels only (names of the "
                                                           "taxonomy, comma-separated; default: all of them)")
    parser.add_argument("--kfold", type=int, default=0, help="also report policy-grouped K-fold scores (mean ± sd)")
    parser.add_argument("--threshold-folds", type=int, default=0,
                        help="linear: tune thresholds by policy-grouped K-fold over train+validation, "
                             "then fit on both")
    parser.add_argument("--threshold-origin", choices=["wild"],
                        help="with --threshold-folds: tune the thresholds on the out-of-fold predictions "
                             "of the real (wild) policies only")
    if settings:
        from jprivacy.train.config import TrainConfig

        TrainConfig.add_arguments(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    from dataclasses import fields

    from jprivacy.backends.ensemble import EnsembleSettings
    from jprivacy.data import wild_texts
    from jprivacy.train import cross_validate, train_model
    from jprivacy.train.config import TrainConfig
    from jprivacy.train.fit import check_folds

    if not (args.output or args.kfold):
        raise FlagsError("train needs --output DIR and/or --kfold K")
    if args.threshold_folds and args.backend != "linear":
        raise FlagsError("--threshold-folds is for the linear backend (the transformer early-stops on validation)")
    if args.threshold_origin and not args.threshold_folds:
        raise FlagsError("--threshold-origin needs --threshold-folds K")
    check_folds(args.kfold, args.threshold_folds)
    if args.output:
        check_output_folder(args.output)
    given = [flag for flag, value in (("--transformer-model", args.transformer_model),
                                      ("--linear-model", args.linear_model), ("--weights", args.weights),
                                      ("--combine", args.combine != "mean")) if value]
    if given and args.backend != "ensemble":
        raise FlagsError(f"{', '.join(given)}: only for --backend ensemble")
    if args.kfold and (args.linear_model or args.transformer_model):
        raise FlagsError("--kfold trains every member afresh in each fold; leave out --linear-model and "
                         "--transformer-model")
    if args.weights:
        try:
            EnsembleSettings(weights=args.weights)
        except ValueError as err:
            raise FlagsError(f"--weights: {err}") from None
    if args.backend == "linear":
        given = ["--" + f.name.replace("_", "-") for f in fields(TrainConfig) if getattr(args, f.name) != f.default]
        if given:
            raise UsageError(f"{', '.join(given)}: only for --backend transformer")
    settings = TrainConfig.from_args(args) if args.backend != "linear" else None
    reuse, ensemble = None, None
    if args.backend == "ensemble":
        settings = {"linear": None, "transformer": settings}
        reuse = {name: existing_folder(folder) for name, folder in
                 (("linear", args.linear_model), ("transformer", args.transformer_model)) if folder} or None
        ensemble = {"weights": args.weights, "combine": args.combine.replace("-", "_")}
    wild = existing_folder(args.wild)
    if args.threshold_origin == "wild" and not wild_texts(wild).is_dir():
        raise UsageError(f"--threshold-origin wild: no wild policy texts at {wild_texts(wild)} "
                         "(pass --wild FOLDER or set JPRIVACY_WILD)")
    labels = _label_list(args.labels)
    if args.kfold:
        cross_validate(args.kfold, backend=args.backend, settings=settings, wild=wild, ensemble=ensemble, log=log,
                       labels=labels)
    if args.output:
        try:
            train_model(args.output, backend=args.backend, settings=settings, threshold_folds=args.threshold_folds,
                        threshold_origin=args.threshold_origin, wild=wild, reuse=reuse, ensemble=ensemble, log=log,
                        labels=labels)
        except OSError as err:  # a full disk or a vanished folder while writing the model
            raise output_error(args.output, err) from None
    return EXIT_OK



def _label_list(text: str | None) -> tuple[str, ...]:
    """The labels of ``--labels a,b,c`` (default: the whole taxonomy), refused unless they are
    distinct names of the corpus's taxonomy."""
    from jprivacy.labels import LABELS

    if text is None:
        return LABELS
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in LABELS]
    if not names or unknown or len(set(names)) != len(names):
        raise FlagsError(f"--labels: distinct names of {', '.join(LABELS)}, not {text!r}")
    return names
