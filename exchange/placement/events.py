"""What the placement domain tells in real time: a proposal's new state, after commit, to
the people of both sides (their own socket rooms). Ids and the state only: the pages
fetch what their reader may see."""

from __future__ import annotations

from collections.abc import Iterable

from exchange import realtime

from .models import Proposal


def proposal_changed(proposal: Proposal, user_ids: Iterable[int]) -> None:
    rooms = sorted({realtime.user_room(user_id) for user_id in user_ids if user_id})
    if rooms:
        realtime.emit_after_commit("proposal", {
            "id": proposal.id, "listing_id": proposal.listing_id, "state": proposal.state,
        }, room=rooms)
