"""WordLlama as the tier's embedder, loaded from the files its wheel installs.

WordLlama (MIT) ships its model inside the package: a 32,000-token table of 256-dimension
vectors (``weights/l2_supercat_256.safetensors``, 16 MB) and the tokenizer that goes with
it (``tokenizers/l2_supercat_tokenizer_config.json``). A text's embedding is the mean of
its tokens' vectors, made unit length: no neural network runs, and an article takes a
few milliseconds on one core.

The two files are read here directly (safetensors and tokenizers, WordLlama's own
dependencies), not through ``WordLlama.load()``: that imports requests, pydantic and the
Hugging Face hub client, looks for ``tokenizer/`` where the wheel has ``tokenizers/``
and would try to download what it misses (``load(cache_dir=<package dir>,
disable_download=True)`` avoids that), and takes twice the time and half as much memory
again, paid by every child process. Nothing here can reach a network: a missing file
is an ``EmbedderUnavailable``.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
    from tokenizers import Tokenizer

# The model and tokenizer as wordllama 0.4 ships them (WordLlama.load()'s defaults:
# config "l2_supercat", dim 256, tensor "embedding.weight").
WEIGHTS = Path("weights") / "l2_supercat_256.safetensors"
TOKENIZER = Path("tokenizers") / "l2_supercat_tokenizer_config.json"
TENSOR = "embedding.weight"
# A lone surrogate is a valid str but no Unicode (an eval record's "\ud800", say): the
# tokenizer refuses the whole batch for one, so it is read as the replacement character.
_SURROGATE = re.compile("[\ud800-\udfff]")


class EmbedderUnavailable(RuntimeError):
    """The embedder is not installed, or its shipped model is missing."""


class WordLlamaEmbedder:
    """The shipped WordLlama model; ``load`` raises EmbedderUnavailable when it is not
    installed."""

    def __init__(self, table: NDArray[np.floating], tokenizer: Tokenizer) -> None:
        self._table = table
        self._tokenizer = tokenizer

    @classmethod
    def load(cls) -> WordLlamaEmbedder:
        # Where the package is, without importing it (its __init__ is the heavy part).
        spec = importlib.util.find_spec("wordllama")
        if spec is None or spec.origin is None:
            raise EmbedderUnavailable("the wordllama package is not installed")
        package = Path(spec.origin).parent
        try:
            from safetensors import safe_open
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EmbedderUnavailable(f"a dependency of wordllama is missing ({exc})") from exc
        try:
            tokenizer = Tokenizer.from_file(str(package / TOKENIZER))
            with safe_open(str(package / WEIGHTS), framework="np", device="cpu") as f:
                table = f.get_tensor(TENSOR)
        except Exception as exc:  # tokenizers and safetensors raise their own kinds
            raise EmbedderUnavailable(
                f"wordllama's shipped model could not be read from {package} ({exc})"
            ) from exc
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return cls(table, tokenizer)

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Each text's mean token vector, unit length (WordLlama's ``embed(texts,
        norm=True)``, pooled without padding); an empty text gives the zero vector."""
        import numpy as np

        table = self._table
        vectors = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
        if not texts:
            return vectors
        valid = [_SURROGATE.sub("\ufffd", t) if _SURROGATE.search(t) else t for t in texts]
        encoded = self._tokenizer.encode_batch(valid, add_special_tokens=False)
        lengths = np.fromiter((len(e.ids) for e in encoded), dtype=np.int64, count=len(encoded))
        if not lengths.sum():
            return vectors
        flat = np.fromiter(
            (i for e in encoded for i in e.ids), dtype=np.int64, count=int(lengths.sum())
        )
        np.clip(flat, 0, table.shape[0] - 1, out=flat)
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        nonempty = lengths > 0
        vectors[nonempty] = np.add.reduceat(table[flat], starts[nonempty], axis=0, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        np.divide(vectors, norms, out=vectors, where=norms > 0)
        return vectors
