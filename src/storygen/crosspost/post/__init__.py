"""Posting teasers to the platforms that have an API storygen uses: Mastodon and Bluesky.

`settings` reads `[crosspost.post]` and turns a teaser into a ledger record waiting to go out;
`run` posts what is approved and due; `mastodon` and `bluesky` talk to the platforms;
`approve` and `record` are the approval step and the exportable record of what was posted.
"""
