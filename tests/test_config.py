"""Settings dataclasses as typed command-line flags, with help and checks across fields."""

import argparse
from dataclasses import dataclass

import pytest

from jprivacy.train.config import FlagConfig, PretrainConfig, flag
from jprivacy.train.transformer import TrainConfig

TRAIN_FLAGS = ["--base-model", "--max-length", "--section-levels", "--epochs", "--learning-rate", "--batch-size", "--max-steps",
               "--seed", "--patience", "--warmup", "--weight-decay", "--max-pos-weight", "--bf16"]


@dataclass
class Example(FlagConfig):
    fast: bool = flag(False, "go fast")
    careful: bool = flag(True, "check twice")
    rate: float = flag(0.5, "how much")


def parse(config, *argv):
    parser = argparse.ArgumentParser(exit_on_error=False)
    config.add_arguments(parser)
    return config.from_args(parser.parse_args(list(argv)))


@pytest.mark.parametrize("argv, fast", [((), False), (("--fast", "False"), False), (("--fast", "false"), False),
                                        (("--fast", "no"), False), (("--fast", "0"), False),
                                        (("--fast",), True), (("--fast", "True"), True), (("--fast", "yes"), True)])
def test_a_bool_flag_given_false_stays_false(argv, fast):
    assert parse(Example, *argv).fast is fast


def test_bool_flags_with_a_true_default_can_be_turned_off_and_values_are_typed():
    settings = parse(Example, "--careful", "false", "--rate", "0.25")
    assert settings.careful is False and settings.rate == 0.25 and settings.fast is False


def test_a_bool_flag_refuses_a_word_that_is_not_true_or_false():
    with pytest.raises(argparse.ArgumentError, match="expected true or false, not 'maybe'"):
        parse(Example, "--fast", "maybe")


def test_train_flags_keep_their_names_and_show_their_help_and_default():
    parser = argparse.ArgumentParser()
    TrainConfig.add_arguments(parser)
    assert [a.option_strings[0] for a in parser._actions[1:]] == TRAIN_FLAGS
    help_text = parser.format_help()
    assert "early stopping" in help_text and "(default: 5e-05)" in help_text
    assert parse(TrainConfig, "--max-length", "64", "--epochs", "2").to_dict() == {
        **TrainConfig().to_dict(), "max_length": 64, "epochs": 2.0}


def test_pretrain_flags_parse_to_their_field_types():
    settings = parse(PretrainConfig, "--layers", "2", "--mlm-probability", "0.2")
    assert settings.layers == 2 and settings.mlm_probability == 0.2
    assert settings.vocab_size == PretrainConfig().vocab_size


@pytest.mark.parametrize("changes, message", [
    ({"epochs": 0}, "positive --epochs or --max-steps"),
    ({"warmup": 1.5}, "warmup is a share"),
    ({"batch_size": 0}, "at least 1"),
    ({"max_length": 4}, "at least 8 tokens"),
])
def test_train_settings_are_checked_across_fields(changes, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**changes)


def test_epochs_may_be_zero_when_max_steps_is_set_and_unknown_keys_are_named():
    assert TrainConfig(epochs=0, max_steps=10).max_steps == 10
    with pytest.raises(ValueError, match="unknown setting.*'epoch'"):
        TrainConfig.from_dict({"epoch": 3})
    assert set(TrainConfig().training_only()) == {flag[2:].replace("-", "_") for flag in TRAIN_FLAGS[3:]}
