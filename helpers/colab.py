"""The Colab setup's old home (the setup cell imports it): see :mod:`helpers.env.colab`.

Introduced in lesson 00.
"""

from __future__ import annotations

from helpers.env.colab import install_missing, missing_packages

__all__ = ["install_missing", "missing_packages"]
