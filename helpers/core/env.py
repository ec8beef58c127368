"""The environment variables the course reads, each read in one place.

- ``HF_HUB_OFFLINE``: read exactly as huggingface_hub reads it (:func:`hub_offline`), so
  the banner of :func:`helpers.setup` and the model loaders never disagree;
- ``COURSE_MODEL_DIR``: a workshop bundle (:func:`model_dir`);
- ``COURSE_CACHE_DIR`` and ``COURSE_SEED``: see :mod:`helpers.core.paths` and :func:`helpers.setup`.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["MODEL_DIR_VAR", "TRUE_VALUES", "hub_offline", "model_dir"]

MODEL_DIR_VAR = "COURSE_MODEL_DIR"
# huggingface_hub 2.4.0, constants.py: HF_HUB_OFFLINE = _is_true(os.environ.get("HF_HUB_OFFLINE")
# or os.environ.get("TRANSFORMERS_OFFLINE")), where _is_true(v) is v.upper() in ENV_VARS_TRUE_VALUES.
TRUE_VALUES = frozenset({"1", "ON", "YES", "TRUE"})


def hub_offline() -> bool:
    """True when ``HF_HUB_OFFLINE`` switches the Hub off, by huggingface_hub's own rule.

    ``1``, ``ON``, ``YES`` and ``TRUE`` in any case mean offline; anything else (``0``,
    ``FALSE``, `` 1`` with a space) means online. When ``HF_HUB_OFFLINE`` is unset or empty,
    ``TRANSFORMERS_OFFLINE`` decides the same way. Read at call time.
    """
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE")
    return value is not None and value.upper() in TRUE_VALUES


def model_dir() -> Path | None:
    """The workshop bundle named by ``$COURSE_MODEL_DIR``, or None when the variable is unset or empty."""
    value = os.environ.get(MODEL_DIR_VAR, "")
    return Path(value).expanduser() if value.strip() else None
