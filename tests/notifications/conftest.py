"""Fixtures of the notifications tests: the listings' factory, for kinds about a listing."""

from tests.listings.conftest import make_listing as make_listing  # noqa: F401  (fixture)
