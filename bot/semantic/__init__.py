"""The "possibly about" tier: articles that discuss a watchlist's subject without naming it."""
