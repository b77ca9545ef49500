"""The authorization module every domain uses: roles, reach down the AGS tree, 404s.

A Membership stands in for "a row owned by an organisation" (it has `organization_id`),
as a shelter or a person will in the capacity domain.
"""

from __future__ import annotations

import pytest

from exchange.errors import Forbidden, NotFound, Unauthorized
from exchange.extensions import db
from exchange.profiles import authz
from exchange.profiles.models import Membership

CASEWORK = {"caseworker"}
STAFF = {"admin", "official", "caseworker"}


@pytest.fixture
def tree(make_org, lower_saxony):
    """Lower Saxony with two districts of two municipalities each."""
    meppen = make_org("municipality", parent=lower_saxony["emsland"], ags="03454035")
    return {**lower_saxony, "meppen": meppen}


def _ids(tree, *keys) -> set[int]:
    return {tree[key].id for key in keys}


def test_district_caseworker_reaches_the_district_and_its_municipalities(tree, make_user):
    caseworker = make_user(role="caseworker", org=tree["osnabrueck"])
    assert authz.scope(caseworker, CASEWORK) == _ids(tree, "osnabrueck", "bramsche", "melle")
    for key in ("emsland", "lingen", "meppen", "state"):
        assert not authz.in_scope(caseworker, tree[key].id, CASEWORK), key


def test_municipal_official_reaches_only_the_municipality(tree, make_user):
    official = make_user(role="official", org=tree["bramsche"])
    assert authz.scope(official, {"official"}) == _ids(tree, "bramsche")
    assert not authz.in_scope(official, tree["osnabrueck"].id, {"official"})
    assert not authz.in_scope(official, tree["melle"].id, {"official"})


def test_state_staff_reach_the_whole_tree(tree, make_user):
    official = make_user(role="official", org=tree["state"])
    assert authz.scope(official, {"official"}) == set(_ids(tree, *tree))


def test_reach_counts_only_the_roles_asked_for(tree, make_user):
    official = make_user(role="official", org=tree["osnabrueck"])
    assert authz.scope(official, CASEWORK) == set()
    assert authz.scope(official, STAFF) == _ids(tree, "osnabrueck", "bramsche", "melle")


def test_two_memberships_add_up(tree, make_user):
    user = make_user(role="caseworker", org=tree["bramsche"])
    db.session.add(Membership(user=user, organization=tree["emsland"], role="caseworker",
                              status="active"))
    db.session.flush()
    db.session.refresh(user)
    assert authz.scope(user, CASEWORK) == _ids(tree, "bramsche", "emsland", "lingen", "meppen")


@pytest.mark.parametrize("status", ["pending", "disabled"])
def test_pending_and_disabled_memberships_give_no_reach(tree, make_user, status):
    user = make_user(role="caseworker", org=tree["osnabrueck"], status=status)
    assert authz.scope(user, STAFF) == set()
    assert authz.roles_in(user, tree["osnabrueck"].id) == set()
    assert not authz.is_staff(user)
    assert authz.is_landlord_only(user)


@pytest.mark.parametrize("status", ["pending", "disabled"])
def test_pending_and_disabled_admins_administer_nothing(tree, make_user, status):
    user = make_user(role="admin", org=tree["osnabrueck"], status=status)
    assert not authz.is_org_admin(user, tree["osnabrueck"].id)
    with pytest.raises(Forbidden):
        authz.require_org_admin(user, tree["osnabrueck"].id)


def test_org_admin_administers_exactly_their_organisation(tree, make_user):
    admin = make_user(role="admin", org=tree["osnabrueck"])
    assert authz.is_org_admin(admin, tree["osnabrueck"].id)
    # Reach goes down the tree; administering does not.
    assert not authz.is_org_admin(admin, tree["bramsche"].id)
    assert not authz.is_org_admin(admin, tree["emsland"].id)


def test_platform_admin_administers_every_organisation_but_reaches_no_registry(
    tree, make_user
):
    platform_admin = make_user(admin=True)
    assert all(authz.is_org_admin(platform_admin, org.id) for org in tree.values())
    authz.require_platform_admin(platform_admin)
    # Being platform admin is no membership: it gives no caseworker reach into persons.
    assert authz.scope(platform_admin, CASEWORK) == set()


def test_only_platform_admins_pass_require_platform_admin(tree, make_user):
    with pytest.raises(Forbidden):
        authz.require_platform_admin(make_user(role="admin", org=tree["state"]))


def test_staff_means_a_staff_role_in_a_verified_public_organisation(make_org, make_user):
    assert authz.is_staff(make_user(role="official", org=make_org("district")))
    assert not authz.is_staff(make_user(role="admin", org=make_org("landlord")))
    assert not authz.is_staff(make_user(role="landlord"))
    assert not authz.is_staff(make_user(role="official", org=make_org("district",
                                                                      verified=False)))


def test_require_user_refuses_anonymous_and_disabled(make_user):
    with pytest.raises(Unauthorized):
        authz.require_user(None)
    user = make_user()
    assert authz.require_user(user) is user
    user.disabled = True
    with pytest.raises(Unauthorized):
        authz.require_user(user)


def _owned_by(organization, make_user) -> Membership:
    """A row with organization_id = organization."""
    return make_user(role="official", org=organization).memberships[0]


def test_get_in_scope_or_404_returns_what_is_in_reach(tree, make_user):
    caseworker = make_user(role="caseworker", org=tree["osnabrueck"])
    row = _owned_by(tree["melle"], make_user)
    assert authz.get_in_scope_or_404(caseworker, Membership, row.id, CASEWORK) is row


def test_get_in_scope_or_404_hides_another_districts_row(tree, make_user):
    caseworker = make_user(role="caseworker", org=tree["osnabrueck"])
    for key in ("emsland", "lingen", "state"):
        row = _owned_by(tree[key], make_user)
        with pytest.raises(NotFound) as missing:
            authz.get_in_scope_or_404(caseworker, Membership, row.id, CASEWORK)
        # The same answer as for an id that does not exist at all.
        with pytest.raises(NotFound) as absent:
            authz.get_in_scope_or_404(caseworker, Membership, 2_000_000_000, CASEWORK)
        assert (missing.value.status, missing.value.message) == (
            absent.value.status, absent.value.message)


def test_get_in_scope_or_404_hides_rows_from_the_wrong_role(tree, make_user):
    official = make_user(role="official", org=tree["osnabrueck"])
    row = _owned_by(tree["osnabrueck"], make_user)
    with pytest.raises(NotFound):
        authz.get_in_scope_or_404(official, Membership, row.id, CASEWORK)
