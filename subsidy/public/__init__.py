"""The public channel, built from the archive only: the published versions as the web shows them, the static site
and the open data."""
