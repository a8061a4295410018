"""HTTP routes of the Lattice API, one module per resource."""
