"""Everyday words of public-service writing that pyspellchecker's dictionary lacks (it is built
from older text). Names of places and agencies belong in the site's own word list instead."""

_WORDS = """
app apps autopay bikeway bikeways chatbot chatbots checkbox checkboxes compostable
contactless curbsides cybersecurity dropdown ebike ebikes ebook ebooks e-bike e-bikes e-mail
e-mails emoji emojis geolocation greenway greenways hashtag hashtags inbox inboxes livestream
livestreamed livestreams login logins lookup rideshare screenshot screenshots selfie signup
signups smartphone smartphones stormwater tech telehealth texting timelines touchless url urls
voicemail voicemails walkthrough wastewater webinar webinars wi-fi wifi workflow workflows
"""
MODERN_WORDS = frozenset(_WORDS.split())
