"""Placement (issue 18): rent and size limits (Angemessenheitsgrenzen), households matched
to flats, and proposals of a household for a flat through to moving in. Sits above
capacity and listings (which it joins) and above chat (it opens the conversation of a
proposal)."""
