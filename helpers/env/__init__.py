"""The environment layer: pins, the offline bundle and prefetch, the doctor, the Colab setup.

The highest layer below the command line: it may import everything beneath it
(training included, to build a bundle). Used in lesson 00 and by instructors.
"""

from __future__ import annotations

__all__: list[str] = []
