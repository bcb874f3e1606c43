"""Dialogs of the Casefile app."""
