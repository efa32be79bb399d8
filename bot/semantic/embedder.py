"""What the tier needs of an embedder: texts in, one unit-length vector per text out.

Any model that meets this can replace WordLlama (``wordllama_embedder.py``); the tier
(``tier.py``) only takes dot products of what it returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """A (len(texts), dimensions) array whose rows have length 1 (for an empty
        text, any row of length 1 or 0)."""
        ...
