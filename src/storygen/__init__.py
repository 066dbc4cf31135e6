"""storygen: turn a folder of Markdown stories and service updates into an agency blog."""

__version__ = "0.1.0"
# The distribution's name on the package index (`pip install storygen-gov`); the command and the
# import stay `storygen`. "storygen" there is an unrelated project's: never pin that name.
DISTRIBUTION = "storygen-gov"
