"""Everyday words of public-service writing that pyspellchecker's dictionary lacks (it is built
from older text). Names of places and agencies belong in the site's own word list instead."""

_WORDS = """
alt analytics app apps autopay backend bikeway bikeways chatbot chatbots checkbox checkboxes
codebase compostable contactless curbsides cybersecurity dataset datasets dropdown e-bike
e-bikes e-mail e-mails ebike ebikes ebook ebooks emoji emojis etc frontend geolocation greenway
greenways hashtag hashtags inbox inboxes livestream livestreamed livestreams login logins
lookup onboard onboarding repo repos rideshare roadmap roadmaps screenshot screenshots selfie
signup signups smartphone smartphones stormwater tech telehealth texting timeframe timeframes
timelines touchless url urls voicemail voicemails walkthrough wastewater webinar webinars wi-fi
wifi workflow workflows
"""
MODERN_WORDS = frozenset(_WORDS.split())

# Prefixes that stand alone before a hyphen: pre-register, multi-year, non-profit.
PREFIXES = frozenset({"anti", "co", "de", "mid", "multi", "non", "post", "pre", "re", "semi",
                      "sub", "un"})
