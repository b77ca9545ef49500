"""REST API of the data-subject rights in the registry (exchange.capacity.rights): the
disclosure (Art. 15), restriction (Art. 18) and erasure (Art. 17) of a person."""

from __future__ import annotations

from exchange.capacity import rights
from exchange.capacity.schemas.persons import RegistryPersonSchema
from exchange.capacity.schemas.rights import DisclosureSchema, ReadReasonArgs, ReasonArgs
from exchange.openapi import api_blueprint, endpoint

from . import current_actor, person_answer

blp = api_blueprint("registry_rights", __name__,
                    "Data-subject rights in the person registry: disclosure, restriction, erasure")


@endpoint(blp, "get", "/persons/<int:person_id>/disclosure", 200, DisclosureSchema,
          query=ReadReasonArgs)
def person_disclosure(args: dict, person_id: int):
    """Everything held about a person (GDPR Art. 15) for an access request: caseworkers
    of the person's district; audited (a restricted person needs `reason`)."""
    return rights.disclosure(current_actor(), person_id, args.get("reason"))


@endpoint(blp, "post", "/persons/<int:person_id>/restriction", 200, RegistryPersonSchema,
          body=ReasonArgs)
def restrict_person(args: dict, person_id: int):
    """Restrict processing of a person (GDPR Art. 18; the district's admins): hidden
    from search, duplicates and placement for everyone else, reads need a reason."""
    return person_answer(rights.restrict, person_id, args["reason"])


@endpoint(blp, "delete", "/persons/<int:person_id>/restriction", 200, RegistryPersonSchema)
def lift_restriction(person_id: int):
    """Lift the restriction of a person (the district's admins)."""
    return person_answer(rights.lift_restriction, person_id)


@endpoint(blp, "post", "/persons/<int:person_id>/erasure", 200, RegistryPersonSchema,
          body=ReasonArgs, errors={409: "The person is housed, or erased already"})
def erase_person(args: dict, person_id: int):
    """Erase a person now (GDPR Art. 17; the district's admins, with the reason): the
    retention rule's anonymisation; published figures do not change."""
    return person_answer(rights.erase, person_id, args["reason"])
