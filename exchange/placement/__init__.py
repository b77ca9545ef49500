"""Placement: rent and size limits (Angemessenheitsgrenzen), households matched to flats,
proposals until the household moves in. Sits above capacity and listings, which it joins."""
