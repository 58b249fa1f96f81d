"""Operations: purge, cleanup, rebuild, backup and restore, health and status."""
