"""Near-real-time intake and notices: the inbox watcher, the alarm intake service, the
group-robot notifier and their spool and log."""
