"""listings domain (see DESIGN.md); filled by its issue."""
