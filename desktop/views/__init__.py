"""Custom views of the desktop app (widgets that draw case data themselves)."""
