"""The Telegram front end: PTB application, handlers, and the sender the outbox uses."""
