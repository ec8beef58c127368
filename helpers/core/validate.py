"""Input checks shared by every public helper: one message for one mistake."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["check_positive_int", "check_texts"]


def check_texts(texts: Sequence[str]) -> list[str]:
    """Return ``texts`` as a list after checking it is a non-empty list of non-blank strings.

    Every text must also be valid Unicode: a lone surrogate such as ``"\\ud800"`` (what a
    badly decoded file or a JSON escape can leave) cannot be written as UTF-8, so no
    tokenizer or cache can take it. It is refused with a ValueError naming the text and
    the character, rather than silently replaced: a replaced character would change the
    vectors without the learner knowing. Fix it with ``text.encode("utf-8", "replace").decode()``.
    """
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
        try:
            t.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"texts[{i}] holds a character that is not valid Unicode ({t[exc.start]!r} at position "
                f"{exc.start}, a lone surrogate); fix the text, e.g. text.encode('utf-8', 'replace').decode()"
            ) from None
    return list(texts)


def check_positive_int(name: str, value: object) -> int:
    """``value`` if it is a positive int (not a bool), else a ValueError naming ``name``."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value
