"""REST API of transfer requests between districts (exchange.capacity.transfers)."""

from __future__ import annotations

from exchange.capacity import transfer_lists, transfers
from exchange.capacity.schemas.transfers import (
    TransferCreateArgs,
    TransferDeclineArgs,
    TransferListArgs,
    TransferPageSchema,
    TransferSchema,
)
from exchange.openapi import api_blueprint, endpoint

from . import current_actor

blp = api_blueprint("capacity_transfers", __name__,
                    "Transfer requests: districts ask each other for published free beds")


@endpoint(blp, "post", "/transfers", 201, TransferSchema, body=TransferCreateArgs,
          errors={409: "Not as many free beds are published"})
def request_transfer(args: dict):
    """Ask another district for beds of its published beds listing (opens a chat thread)."""
    return transfers.request_transfer(
        current_actor(), args["listing_id"], args["beds"], args["until"], args["message"],
        args["organization_id"], args["arrival_date"],
    )


@endpoint(blp, "get", "/transfers", 200, TransferPageSchema, query=TransferListArgs)
def list_transfers(args: dict):
    """Requests of my organisations: incoming (asked of us) or outgoing (we asked)."""
    return transfer_lists.list_transfers(
        current_actor(), args["direction"], args["limit"], args["cursor"]
    )


@endpoint(blp, "get", "/transfers/<int:transfer_id>", 200, TransferSchema)
def get_transfer(transfer_id: int):
    """One request (staff of either side)."""
    return transfers.get_transfer_for(current_actor(), transfer_id)


@endpoint(blp, "post", "/transfers/<int:transfer_id>/accept", 200, TransferSchema,
          errors={409: "Not as many free beds are published any more"})
def accept_transfer(transfer_id: int):
    """Accept: the beds are held (the published free beds drop) until the request's date."""
    return transfers.accept_transfer(current_actor(), transfer_id)


@endpoint(blp, "post", "/transfers/<int:transfer_id>/decline", 200, TransferSchema,
          body=TransferDeclineArgs)
def decline_transfer(args: dict, transfer_id: int):
    """Decline, with a reason."""
    return transfers.decline_transfer(current_actor(), transfer_id, args["reason"])


@endpoint(blp, "post", "/transfers/<int:transfer_id>/withdraw", 200, TransferSchema,
          errors={409: "The request is decided already"})
def withdraw_transfer(transfer_id: int):
    """The asking side takes an open request back; the offering side is told
    (`transfer_withdrawn`)."""
    return transfers.withdraw_transfer(current_actor(), transfer_id)


@endpoint(blp, "post", "/transfers/<int:transfer_id>/release", 200, TransferSchema)
def release_transfer(transfer_id: int):
    """Release held beds before the date (either side)."""
    return transfers.release_transfer(current_actor(), transfer_id)
