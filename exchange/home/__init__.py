"""The start pages per role: the only package that imports every domain (it sits on top)."""
