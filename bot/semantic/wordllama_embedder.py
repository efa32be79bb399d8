"""WordLlama as the tier's embedder, loaded from what its wheel installs.

WordLlama (MIT) ships its 256-dimension model (16 MB) and tokenizer inside the package,
and embeds by pooling token vectors: no neural network runs, a few milliseconds per
article on one core. ``WordLlama.load()`` looks for ``tokenizer/`` where the wheel has
``tokenizers/`` and would otherwise try to download; pointing its cache at the package
directory with downloads disabled loads the shipped files and never touches a network.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


class EmbedderUnavailable(RuntimeError):
    """The embedder is not installed, or its shipped model is missing."""


class WordLlamaEmbedder:
    """The shipped WordLlama model; ``load`` raises EmbedderUnavailable when it is not
    installed."""

    def __init__(self, model: Any) -> None:
        self._model = model

    @classmethod
    def load(cls) -> WordLlamaEmbedder:
        # Belt and braces: should a future version look elsewhere first, it still may
        # not reach a model hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import wordllama
        except ImportError as exc:
            raise EmbedderUnavailable(f"the wordllama package is not installed ({exc})") from exc
        package = Path(wordllama.__file__).resolve().parent
        try:
            model = wordllama.WordLlama.load(cache_dir=package, disable_download=True)
        except FileNotFoundError as exc:
            raise EmbedderUnavailable(f"wordllama's shipped model was not found ({exc})") from exc
        return cls(model)

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        import numpy as np

        vectors = self._model.embed(list(texts), norm=True)
        return np.asarray(vectors, dtype=np.float32)
