"""Engine: what an incremental build needs to do as little as possible: page keys, the plan, the
manifest of the last build, the up-to-date check, worker processes."""
