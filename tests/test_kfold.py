"""Policy-grouped k-fold: the fold rule, fold-count checks, and cross-validation that uses them."""

import pytest

from jprivacy.data import SEED, load_frame
from jprivacy.train import cross_validate
from jprivacy.train.fit import check_folds
from jprivacy.train.folds import policy_folds

DOCS = [f"p{i:02d}.txt" for i in range(11)]


def test_folds_split_the_policies_into_k_disjoint_parts_of_near_equal_size():
    folds = policy_folds(DOCS + DOCS[:3], 3)  # a policy named twice (one per clause) is one policy
    assert sorted(doc for fold in folds for doc in fold) == DOCS
    assert [len(fold) for fold in folds] == [4, 4, 3]


def test_folds_depend_only_on_the_policies_and_the_seed():
    assert policy_folds(DOCS, 4) == policy_folds(list(reversed(DOCS)), 4) == policy_folds(DOCS, 4, seed=SEED)
    assert policy_folds(DOCS, 4, seed=SEED + 1) != policy_folds(DOCS, 4)


@pytest.mark.parametrize("kwargs, message", [
    ({"kfold": 2}, "at least 3 folds"),
    ({"threshold_folds": 1}, "2 or more"),
    ({"kfold": 5, "policies": 4}, "5 folds but only 4 policies"),
])
def test_fold_counts_that_leave_nothing_to_train_tune_or_test_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        check_folds(**kwargs)


def test_fold_counts_that_work_pass():
    check_folds(kfold=3, threshold_folds=2, policies=3)
    check_folds()


def test_cross_validation_tests_each_fold_of_the_rule_once(small_corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("JPRIVACY_WILD", str(tmp_path / "no-wild-texts"))  # the small corpus alone
    frame = load_frame(small_corpus, log=lambda m: None)
    folds = policy_folds(frame["doc"], 3)
    result = cross_validate(3, labeled=small_corpus, log=lambda m: None)
    assert [fold["n"] for fold in result["folds"]] == [int(frame["doc"].isin(f).sum()) for f in folds]
