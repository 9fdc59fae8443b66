"""The `genetlink` command. Only this package prints."""
