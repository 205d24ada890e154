"""BentoML serving of the production model (service definition and Bento building)."""
