"""Model: the site made of what was read: collections, listings, tags, pages, schedule, URLs."""
