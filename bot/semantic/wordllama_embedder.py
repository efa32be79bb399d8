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
        """WordLlama's own embedding (the mean of the texts' token vectors, unit length),
        pooled here without padding: ``WordLlamaInference.embed`` pads every text of a
        batch to the longest, and an article's whole text beside its sentences made
        that a hundred megabytes and most of the time."""
        import numpy as np

        table = self._model.embedding
        if not texts:
            return np.zeros((0, table.shape[1]), dtype=np.float32)
        encoded = self._model.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        # Padding is on for the model's own batches: count only the real tokens.
        ids = [
            np.asarray(e.ids, dtype=np.int64)[np.asarray(e.attention_mask, dtype=bool)]
            for e in encoded
        ]
        lengths = np.fromiter((len(i) for i in ids), dtype=np.int64, count=len(ids))
        flat = np.clip(np.concatenate(ids), 0, table.shape[0] - 1) if lengths.sum() else None
        vectors = np.zeros((len(ids), table.shape[1]), dtype=np.float32)
        if flat is not None:
            starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
            nonempty = lengths > 0
            sums = np.add.reduceat(table[flat], starts[nonempty], axis=0, dtype=np.float32)
            vectors[nonempty] = sums
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        # An empty text stays the zero vector: similar to nothing.
        np.divide(vectors, norms, out=vectors, where=norms > 0)
        return vectors
