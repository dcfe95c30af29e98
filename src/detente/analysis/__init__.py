"""Floor 2: pure analyses of one model (deals, bargaining, roadmaps, stability). Imports model only."""
