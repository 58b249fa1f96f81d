"""The demo generator: synthetic raw files in the users' formats, and the live demo feed."""
