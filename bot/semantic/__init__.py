"""The embedder's home: sentences to vectors, and the "possibly about" tier around it.

Only ``about_child`` is imported by the running bot, and it imports neither numpy nor the
model: those load in the short-lived child process that does the matching.
"""
