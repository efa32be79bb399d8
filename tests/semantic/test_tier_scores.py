"""The tier's similarities, with an embedder whose vectors are written by hand: what a
passage's closeness to a list's `about` sentences is."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from bot.domain.models import Term, Watchlist
from bot.semantic.tier import scores
from tests.semantic.about_fixture import article

VECTORS = {
    "The route across Syunik.": (1.0, 0.0, 0.0),
    "The link to Nakhchivan.": (0.0, 1.0, 0.0),
    # Agrees with both descriptions of the subject, each a little.
    "A line across Syunik to Nakhchivan.": (1.0, 1.0, 0.0),
    # Echoes one description exactly and nothing else.
    "Roads across Syunik.": (1.0, 0.0, 0.0),
}


class HandMadeEmbedder:
    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        rows = np.array([VECTORS.get(t, (0.0, 0.0, 1.0)) for t in texts], dtype=np.float32)
        norms: NDArray[np.float32] = np.linalg.norm(rows, axis=1, keepdims=True)
        unit: NDArray[np.float32] = rows / norms
        return unit


def test_a_passage_agreeing_with_two_descriptions_is_closer_than_one_echoing_one() -> None:
    route = Watchlist(
        name="Route",
        terms=(Term("route"),),
        about=("The route across Syunik.", "The link to Nakhchivan."),
    )
    both = article("both", "", "A line across Syunik to Nakhchivan.")
    echo = article("echo", "", "Roads across Syunik.")
    found = scores([both, echo], [route], HandMadeEmbedder())
    # Without `not_about` the score is the support alone: the mean similarity to the two
    # closest `about` sentences, 0.707 for the first (to each), 0.5 for the second (1, 0).
    assert round(found[("both", "Route")], 3) == 0.707
    assert round(found[("echo", "Route")], 3) == 0.5
