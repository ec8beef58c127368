"""Input checks shared by every public helper: one message for one mistake."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["check_positive_int", "check_texts"]


def check_texts(texts: Sequence[str]) -> list[str]:
    """Return ``texts`` as a list after checking it is a non-empty list of non-blank strings."""
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings, not one string; wrap it: [text]")
    if not isinstance(texts, Sequence):
        raise TypeError(f"texts must be a list of strings, got {type(texts).__name__}")
    if len(texts) == 0:
        raise ValueError("texts is empty: nothing to encode")
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"texts[{i}] is {type(t).__name__}, not a string")
        if not t.strip():
            raise ValueError(f"texts[{i}] is empty or blank; remove it before encoding")
    return list(texts)


def check_positive_int(name: str, value: object) -> int:
    """``value`` if it is a positive int (not a bool), else a ValueError naming ``name``."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value
