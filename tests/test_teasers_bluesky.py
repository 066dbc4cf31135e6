"""Bluesky facets match what Bluesky's own library (@atproto/api RichText.detectFacets, run in
node) finds in the same text: links and #tags written in the text get facets too."""

from __future__ import annotations

from teaser_judges import node_judge

from storygen.teasers import DEFAULT_SPECS, Settings, Source, Teaser, compose

WRITTEN = [
    "Apply at permits.example.gov/apply or https://example.gov/a_b?x=1). #PermitHelp now!",
    "Questions? Email us, or see #Día de la Tierra and #2026 plans (example.org).",
    "Trails re-open Friday: see www.parks.example.gov. #TrailNews, #Trails!",
    "Nothing special in this one, just words.",
    "Año nuevo: visite ayuda.example.gov/es para #AyudaEnEspañol.",
]


def detect(texts: list[str]) -> list[list[dict]]:
    return node_judge("detect_facets.mjs", texts, "@atproto/api")


def kinds(facets: list[dict]) -> list[tuple]:
    """(start, end, kind, what) without mentions and cashtags, which storygen never writes."""
    found = []
    for facet in facets:
        feature = facet["features"][0]
        kind = feature["$type"].rsplit("#", 1)[1]
        what = feature.get("uri") or feature.get("tag") or ""
        if kind != "mention" and not what.startswith("$"):
            found.append((facet["index"]["byteStart"], facet["index"]["byteEnd"], kind, what))
    return sorted(found)


def teaser(summary: str) -> Teaser:
    source = Source(id="/stories/a/", url="https://news.example.gov/stories/a/", slug="a",
                    title="A", summary=summary, tags=("customer service",))
    made = compose(source, DEFAULT_SPECS["bluesky"], Settings())
    assert isinstance(made, Teaser)
    return made


def test_facets_are_where_bluesky_finds_them():
    teasers = [teaser(text) for text in WRITTEN]
    judged = detect([t.text for t in teasers])
    for made, theirs in zip(teasers, judged, strict=True):
        ours = kinds(list(made.facets))
        # Bluesky would link the shown address itself; we link it to the tagged URL.
        shown = next(f for f in ours if f[3] == made.link)
        expected = [f if f[:2] != shown[:2] else shown for f in kinds(theirs)]
        assert ours == sorted(expected), made.text
    assert sum(len(t.facets) for t in teasers) > 3 * len(teasers)  # links and tags were found
