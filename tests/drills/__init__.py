"""Reliability drills. Each drill has a short version that CI runs and a full
version marked `drill` that scripts/drills.sh runs; the summary of a run goes to
artifacts/drills/summary.md and to the end of pytest's output."""
