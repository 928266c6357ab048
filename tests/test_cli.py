"""The jprivacy command as a package: help without training code, flags declared once, which errors
are usage errors (one line, exit 2) and which are bugs (a traceback), and the wild-policy flags."""

import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

import jprivacy.train
import jprivacy.train.pretrain
from jprivacy.cli import build_parser, main
from jprivacy.errors import UsageError

COMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)
HEAVY = {"torch", "transformers", "datasets", "accelerate"}
PROBE = """import sys
from jprivacy.cli import main
try:
    main([sys.argv[1], "--help"])
except SystemExit as exit:
    print("exit", exit.code, file=sys.stderr)
print(" ".join(sorted(sys.modules)), file=sys.stderr)
"""


def subcommand(command: str):
    return build_parser(command)._subparsers._group_actions[0].choices[command]


@cache
def help_run(command: str) -> tuple[str, str, set[str]]:
    """``jprivacy COMMAND --help`` in a fresh interpreter: its stdout, how it exited, the modules it imported."""
    result = subprocess.run([sys.executable, "-c", PROBE, command], capture_output=True, text=True, timeout=120)
    *_, exit_line, modules = result.stderr.splitlines()
    return result.stdout, exit_line, set(modules.split())


def test_every_command_of_today_is_a_module_of_the_package():
    assert COMMANDS == ["classify", "diff", "evaluate", "evaluate-fields", "export", "fields", "pretrain", "report",
                        "tag", "train", "validate-data"]
    for command in COMMANDS:
        assert (Path(jprivacy.cli.__file__).parent / f"{command.replace('-', '_')}.py").is_file()


@pytest.mark.parametrize("command", COMMANDS)
def test_help_of_every_command_imports_no_torch_transformers_or_datasets(command):
    stdout, exit_line, modules = help_run(command)
    assert exit_line == "exit 0" and stdout.startswith(f"usage: jprivacy {command}")
    assert not {m.split(".")[0] for m in modules} & HEAVY


@pytest.mark.parametrize("command", COMMANDS)
def test_help_of_every_command_imports_no_training_code(command):
    _, _, modules = help_run(command)
    # train and pretrain read their flags from the settings dataclasses of jprivacy.train.config
    settings = {"jprivacy.train", "jprivacy.train.config"} if command in ("train", "pretrain") else set()
    assert not [m for m in modules if (m == "jprivacy.train" or m.startswith("jprivacy.train.")) and m not in settings]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_flag_of_every_command_has_help(command):
    assert all(action.help for action in subcommand(command)._actions), command


def test_flags_that_commands_share_have_one_help_text():
    for flag, commands in {"--model": ["tag", "classify", "evaluate", "report", "diff"],
                           "--batch-size": ["tag", "classify", "report"], "--errors": ["tag", "classify"],
                           "--output": ["tag", "classify"], "--wild": ["train", "pretrain", "validate-data"]}.items():
        helps = {c: next(a.help for a in subcommand(c)._actions if flag in a.option_strings) for c in commands}
        assert len(set(helps.values())) == 1, (flag, helps)


def test_a_usage_error_is_one_line_and_any_other_error_a_traceback(monkeypatch, capsys, seed_policy):
    import jprivacy.batch

    def refuse(*args, **kwargs):
        raise UsageError("a value the caller gave")
    monkeypatch.setattr(jprivacy.batch, "tag_files", refuse)
    assert main(["tag", str(seed_policy)]) == 2
    assert capsys.readouterr().err == "jprivacy tag: a value the caller gave\n"

    def bug(*args, **kwargs):
        raise ValueError("a bug")
    monkeypatch.setattr(jprivacy.batch, "tag_files", bug)
    with pytest.raises(ValueError, match="a bug"):  # the console script shows its traceback
        main(["tag", str(seed_policy)])


def test_evaluate_refuses_a_line_that_is_not_an_object_in_one_line(tmp_path, capsys):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"text": "当社はCookieを使用します。", "labels": ["cookies"]}\n[1, 2]\n', encoding="utf-8")
    assert main(["evaluate", str(gold)]) == 2
    assert capsys.readouterr().err == f"jprivacy evaluate: {gold}:2: record has no string field 'text'\n"


@pytest.fixture
def calls(monkeypatch):
    """The training functions the commands call, replaced by recorders of their arguments."""
    made = {}

    def recorder(name):
        def record(*args, **kwargs):
            made[name] = (args, kwargs)
        return record
    for name in ("train_model", "cross_validate"):
        monkeypatch.setattr(jprivacy.train, name, recorder(name))
    monkeypatch.setattr(jprivacy.train.pretrain, "pretrain", recorder("pretrain"))
    return made


def test_train_passes_the_wild_folder_and_the_threshold_origin(calls, tmp_path):
    wild = tmp_path / "wild"
    wild.mkdir()
    out = tmp_path / "m"
    assert main(["train", "--output", str(out), "--kfold", "3", "--threshold-folds", "3",
                 "--threshold-origin", "wild", "--wild", str(wild)]) == 0
    assert calls["train_model"][1]["wild"] == wild and calls["train_model"][1]["threshold_origin"] == "wild"
    assert calls["train_model"][1]["threshold_folds"] == 3 and calls["cross_validate"][1]["wild"] == wild


def test_train_without_wild_flags_leaves_the_library_defaults(calls, tmp_path):
    assert main(["train", "--output", str(tmp_path / "m")]) == 0
    kwargs = calls["train_model"][1]
    assert kwargs["wild"] is None and kwargs["threshold_origin"] is None  # $JPRIVACY_WILD, else ../shared


@pytest.mark.parametrize("args, message", [
    (["--threshold-origin", "wild"], "--threshold-origin needs --threshold-folds K"),
    (["--threshold-folds", "3", "--threshold-origin", "all"], "invalid choice: 'all'"),
])
def test_train_refuses_a_threshold_origin_it_cannot_use(calls, tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit:
        main(["train", "--output", str(tmp_path / "m"), *args])
    assert exit.value.code == 2 and message in capsys.readouterr().err and not calls


def test_wild_thresholds_without_wild_texts_and_a_missing_wild_folder_are_usage_errors(calls, tmp_path, capsys,
                                                                                        monkeypatch):
    monkeypatch.setenv("JPRIVACY_WILD", str(tmp_path / "nowhere"))
    args = ["train", "--output", str(tmp_path / "m"), "--threshold-folds", "3", "--threshold-origin", "wild"]
    assert main(args) == 2
    assert capsys.readouterr().err == (f"jprivacy train: --threshold-origin wild: no wild policy texts at "
                                       f"{tmp_path / 'nowhere'} (pass --wild FOLDER or set JPRIVACY_WILD)\n")
    for command in (["train", "--output", str(tmp_path / "m")], ["pretrain", "--output", str(tmp_path / "b")],
                    ["validate-data"]):
        assert main([*command, "--wild", str(tmp_path / "missing")]) == 2
        assert capsys.readouterr().err == f"jprivacy {command[0]}: {tmp_path / 'missing'}: no such folder\n"
    assert not calls


def test_pretrain_passes_the_wild_folder(calls, tmp_path):
    wild = tmp_path / "wild"
    wild.mkdir()
    assert main(["pretrain", "--output", str(tmp_path / "b"), "--wild", str(wild), "--layers", "2"]) == 0
    (output, config, extra), kwargs = calls["pretrain"]
    assert output == str(tmp_path / "b") and config.layers == 2 and extra is None and kwargs["wild"] == wild


def test_validate_data_checks_the_wild_labels_against_the_folder_given(monkeypatch, tmp_path, capsys):
    import jprivacy.data

    seen = {}

    def validate(**kwargs):
        seen.update(kwargs)
        return ["wild w001: no text at …"]
    monkeypatch.setattr(jprivacy.data, "validate", validate)
    assert main(["validate-data", "--wild", str(tmp_path)]) == 1
    assert seen == {"eval_dir": None, "wild": tmp_path}
    assert capsys.readouterr().err.splitlines() == ["problem: wild w001: no text at …", "corpus has 1 problem(s)"]


def test_data_validate_hands_its_wild_folder_to_the_wild_checks(monkeypatch, tmp_path):
    import jprivacy.data

    seen = {}

    def validate_wild(**kwargs):
        seen.update(kwargs)
        return ["wild: checked"]
    monkeypatch.setattr(jprivacy.data, "validate_wild", validate_wild)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert jprivacy.data.validate(policies=empty, labeled=empty, wild=tmp_path / "texts") == ["wild: checked"]
    assert seen == {"texts": tmp_path / "texts", "eval_dir": None}


def test_a_bad_train_setting_is_one_line(tmp_path, capsys):
    assert main(["train", "--backend", "transformer", "--output", str(tmp_path / "m"), "--warmup", "1.5"]) == 2
    assert capsys.readouterr().err == "jprivacy train: warmup is a share of the steps, from 0 to below 1, not 1.5\n"
    assert not (tmp_path / "m").exists()
