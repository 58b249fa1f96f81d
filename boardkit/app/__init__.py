"""Streamlit glue: a page's context and caching, sign-in, sessions, the audit log,
the shared filters and panels."""
