"""capacity domain (see DESIGN.md); filled by its issue."""
