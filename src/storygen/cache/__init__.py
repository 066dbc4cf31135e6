"""Cache: the state a build keeps between runs in the cache folder (never trusted, never acting
outside it), and the digests that identify what a build read."""
