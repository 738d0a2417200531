"""Read models of shared links."""
