"""Marshmallow schemas of the placement domain: *Schema dumps, *Args loads."""
