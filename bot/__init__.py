"""caci-watch: watches the Central Asia-Caucasus Analyst for the subjects people follow."""

__version__ = "0.1.0"
