"""Short-lived child processes the bot hands heavy or risky work to (the feed parser, the
"possibly about" embedder): the pipes to and from them."""
