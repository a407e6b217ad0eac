"""One module per CLI command; each ``run`` returns the exit status."""
