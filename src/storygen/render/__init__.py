"""Render: the model -> output files: Markdown bodies, pages from templates, feeds, redirects,
sitemap."""
