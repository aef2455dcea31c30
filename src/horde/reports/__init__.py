"""Reports rendered from immutable statistics snapshots: console, CSV, JSON."""
