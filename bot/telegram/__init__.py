"""The Telegram side: PTB application, handlers, and the sender the outbox uses."""

import os

# Opt in to PTB 22's documented future behaviour (RetryAfter.retry_after as a timedelta),
# which also silences the deprecation warning PTB raises on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "1")
