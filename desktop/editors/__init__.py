"""Editing widgets: field editors, reference pickers, the record editor panel, cell delegates."""
