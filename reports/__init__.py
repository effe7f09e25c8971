"""HTML and machine-readable reports rendered from stored runs and findings."""
