"""The OGC collection's pages: published listings a viewer may see, by id, with their total
(`numberMatched`), an `offset` page or the page after an id (the keyset of `next` links).

Pages are read as flat rows of search.page_select and written by page_json, the search
page's fast path: a page of 1,000 features through ListingSchema one by one cost forty
times its SQL (benchmarks/README.md, "Listings").

Where the whole collection is asked for (no bbox, no datetime) by a viewer who sees every
published listing, the total and the place of a deep offset come from listing_id_blocks
(published listings per block of 1,024 ids, kept by triggers; migration 0029): the total is
a sum over a thousand rows at a million listings, and `offset=N` skips whole blocks by
their running sum, then the rows inside one block. Any other page counts its rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row, func, select, text

from exchange.extensions import db
from exchange.profiles.models import User

from .access import visibility, visibility_sql
from .filters import ListingFilter, filter_params, filter_sql
from .models import Listing
from .search import page_select

#: Ids per row of listing_id_blocks (migration 0029).
ID_BLOCK = 1024
#: From which offset a page of the whole collection skips blocks rather than rows.
SKIP_BLOCKS_FROM = ID_BLOCK

_TOTAL = text("SELECT coalesce(sum(published), 0) FROM listing_id_blocks")
# The block that holds the offset-th published listing (0-based), and how many come before.
_BLOCK_OF_OFFSET = text(
    "SELECT block, before FROM ("
    " SELECT block, sum(published) OVER (ORDER BY block) - published AS before,"
    "        sum(published) OVER (ORDER BY block) AS upto"
    " FROM listing_id_blocks) AS running"
    " WHERE upto > :offset ORDER BY block LIMIT 1"
)


def ogc_page(
    viewer: User,
    bbox: tuple[float, float, float, float] | None,
    limit: int,
    offset: int,
    listed: tuple[datetime | None, datetime | None] = (None, None),
    after_id: int | None = None,
) -> tuple[list[Row], int, bool]:
    """One page of published listings the viewer may see in a bbox (None: all), by id, how
    many match, and whether more follow it. ``after_id`` (a `next` link's keyset) starts
    after that id and ignores ``offset``; ``listed`` keeps those listed in [start, end)."""
    flt = ListingFilter(bbox=bbox)
    flt.check()
    reach, params = visibility(viewer, flt.status)
    params.update(filter_params(flt))
    conditions = [visibility_sql(reach, params, params.__getitem__),
                  *filter_sql(params, params.__getitem__)]
    start, end = listed
    if start is not None:
        conditions.append(Listing.listed_at >= start)
    if end is not None:
        conditions.append(Listing.listed_at < end)
    whole = reach == "all" and bbox is None and listed == (None, None)
    session = db.session
    if whole:
        matched = session.scalar(_TOTAL)
    else:
        matched = session.scalar(select(func.count()).select_from(Listing).where(*conditions))
    if after_id is not None:
        conditions.append(Listing.id > after_id)
        offset = 0
    elif whole and offset >= SKIP_BLOCKS_FROM:
        found = session.execute(_BLOCK_OF_OFFSET, {"offset": offset}).first()
        if found is None:
            return [], matched or 0, False
        conditions.append(Listing.id >= found.block * ID_BLOCK)
        offset -= found.before
    # The page's ids first (an index-only walk of the primary key's published entries),
    # then only their rows with what they present.
    ids = (select(Listing.id).where(*conditions).order_by(Listing.id)
           .limit(limit + 1).offset(offset))
    stmt = page_select().where(Listing.id.in_(ids.scalar_subquery())).order_by(Listing.id)
    rows = session.connection().execute(stmt).all()
    return list(rows[:limit]), matched or 0, len(rows) > limit
