"""The text a new entry starts from (`storygen new`): example sentences the writer replaces, which
`storygen check` reports when left in place."""

from __future__ import annotations

# Texts the writer replaces; `storygen check` reports any left in place.
SUMMARY = "One or two sentences that say what changed for residents."
BODY = "Start with what happened and who it helps. Keep sentences short."
IMAGE_ALT = "What the picture shows, for people who cannot see it"
CONTACT_URL = "https://example.gov/apply"
TEMPLATE = """\
---
title: "{title}"
date: {date}
type: {type}
summary: "{summary}"
tags: []
# image: /images/example.jpg
# image_alt: "{image_alt}"
# contact: {{label: "Apply online", url: "{contact_url}"}}
{extra}draft: true
---

{body}
"""
