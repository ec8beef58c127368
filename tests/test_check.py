"""helpers.check: right answers pass, wrong answers fail with a hint, stubs are 'not attempted'."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.check import CheckFailed, is_stub, lesson00, result


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    monkeypatch.setenv("HELPERS_CHECK_STRICT", "0")


def stub(*args):  # what `pass  # YOUR CODE HERE` leaves: a function returning None
    pass


def test_result_statuses_and_messages():
    assert result("9.9", 1, []).passed
    failed = result("9.9", 1, ["the shape is wrong"], hint="look at axis=1")
    assert not failed and failed.status == "failed"
    assert "❌" in repr(failed) and "the shape is wrong" in repr(failed) and "Hint: look at axis=1" in repr(failed)
    assert result("9.9", None, ["ignored"]).status == "not attempted"
    assert is_stub(...) and is_stub(None) and not is_stub(0)


def test_strict_mode_raises_on_anything_but_a_pass(monkeypatch):
    monkeypatch.setenv("HELPERS_CHECK_STRICT", "1")
    assert result("9.9", 1, [])
    with pytest.raises(CheckFailed, match="Exercise 9.9"):
        result("9.9", 1, ["wrong"])
    with pytest.raises(CheckFailed, match="not attempted"):
        result("9.9", None, [])


def test_exercise_0_1_row_norms():
    assert lesson00.exercise_0_1(lambda x: np.sqrt((x * x).sum(axis=1))).passed
    assert lesson00.exercise_0_1(stub).status == "not attempted"
    wrong = lesson00.exercise_0_1(lambda x: (x * x).sum(axis=1))  # forgot the square root
    assert wrong.status == "failed" and "norms differ" in repr(wrong)
    shape = lesson00.exercise_0_1(lambda x: np.sqrt((x * x).sum(axis=0)))
    assert "shape (5,)" in repr(shape)
    crash = lesson00.exercise_0_1(lambda x: x.nope)
    assert crash.status == "failed" and "AttributeError" in repr(crash)


def test_exercise_0_2_cosine():
    assert lesson00.exercise_0_2(lambda a, b: float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))).passed
    assert lesson00.exercise_0_2(stub).status == "not attempted"
    dot_only = lesson00.exercise_0_2(lambda a, b: float(a @ b))  # forgets the lengths
    assert dot_only.status == "failed" and "should be 1.0000" in repr(dot_only)
    array = lesson00.exercise_0_2(lambda a, b: a * b / np.linalg.norm(a) / np.linalg.norm(b))
    assert "one number" in repr(array)


def test_exercise_0_3_most_similar_pair():
    texts = ["The cat sleeps on the sofa.", "Share prices fell.", "A kitten naps on the couch."]
    assert lesson00.exercise_0_3((2, 0), texts).passed
    assert lesson00.exercise_0_3(None, texts).status == "not attempted"
    assert lesson00.exercise_0_3((0, 0), texts).status == "failed"  # a text with itself
    assert lesson00.exercise_0_3((0, 1), texts).status == "failed"
    assert "two indices" in repr(lesson00.exercise_0_3("cat", texts))
