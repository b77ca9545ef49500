"""Profiles: organisations, users, memberships, roles, auth, directory."""
