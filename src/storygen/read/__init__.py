"""Read: files -> validated content. site.toml, front matter and Markdown sources, checked and
tidied, each problem a value with its file and line. Imports no later step."""
