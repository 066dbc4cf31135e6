"""storygen: turn a folder of Markdown stories and service updates into an agency blog."""

__version__ = "0.1.0"
