"""Idempotent demo data: one state, two districts, four municipalities, a landlord company,
and a user of every role. Real AGS codes and coordinates (Lower Saxony)."""

from __future__ import annotations

from sqlalchemy import select

from exchange.db import point_wkt
from exchange.extensions import db
from exchange.profiles import services
from exchange.profiles.models import Membership, MembershipStatus, Organization, User

DEMO_PASSWORD = "exchange-demo"
#: Demo roles that set up TOTP at their first login (no secret is seeded: a demo that
#: shipped fixed secrets would have well-known second factors wherever it ran).
SECOND_FACTOR_ROLES = frozenset({"platform admin", "admin", "caseworker"})

# (key, name, kind, ags, parent key, lat, lon)
ORGANIZATIONS = [
    ("ni", "Land Niedersachsen", "state", "03", None, 52.3759, 9.7320),
    ("lk_os", "Landkreis Osnabrück", "district", "03459", "ni", 52.2799, 8.0472),
    ("lk_el", "Landkreis Emsland", "district", "03454", "ni", 52.6906, 7.2910),
    ("bramsche", "Stadt Bramsche", "municipality", "03459012", "lk_os", 52.4086, 7.9858),
    ("melle", "Stadt Melle", "municipality", "03459024", "lk_os", 52.2031, 8.3361),
    ("lingen", "Stadt Lingen (Ems)", "municipality", "03454032", "lk_el", 52.5227, 7.3167),
    ("meppen", "Stadt Meppen", "municipality", "03454035", "lk_el", 52.6906, 7.2910),
    ("wohnbau", "Wohnbau Emsland GmbH", "landlord", None, None, 52.5250, 7.3200),
]

# (email, name, organisation key or None for platform admin, role)
USERS = [
    ("admin@exchange.example", "Plattform-Admin", None, "platform admin"),
    ("kreisadmin@lk-osnabrueck.example", "Petra Kreis", "lk_os", "admin"),
    ("sozialamt@lk-osnabrueck.example", "Stefan Sozial", "lk_os", "caseworker"),
    ("fluechtlinge@lk-osnabrueck.example", "Olga Offiziell", "lk_os", "official"),
    ("buergermeister@bramsche.example", "Bernd Bürgermeister", "bramsche", "official"),
    ("rathaus@melle.example", "Maria Melle", "melle", "official"),
    ("kreisadmin@emsland.example", "Emil Ems", "lk_el", "admin"),
    ("sozialamt@emsland.example", "Clara Case", "lk_el", "caseworker"),
    ("wohnungsamt@lingen.example", "Lena Lingen", "lingen", "official"),
    ("vermietung@wohnbau-emsland.example", "Walter Wohnbau", "wohnbau", "landlord"),
]


def _organization(key: str, rows: dict[str, Organization]) -> Organization:
    _key, name, kind, ags, parent, lat, lon = next(o for o in ORGANIZATIONS if o[0] == key)
    found = db.session.scalar(
        select(Organization).where(
            Organization.ags == ags if ags else Organization.name == name
        )
    )
    if found is None:
        found = Organization(name=name, kind=kind, ags=ags, location=point_wkt(lat, lon))
        found.parent = rows[parent] if parent else None
        db.session.add(found)
        db.session.flush()
    return found


def seed() -> list[tuple[str, str, str]]:
    """Create what is missing; returns (email, role, organisation) for every demo login."""
    rows: dict[str, Organization] = {}
    for key, *_rest in ORGANIZATIONS:
        rows[key] = _organization(key, rows)
    logins = []
    for email, name, org_key, role in USERS:
        user = services.find_user_by_email(email)
        if user is None:
            user = User(email=email, name=name, password_hash=services.hash_password(DEMO_PASSWORD))
            db.session.add(user)
            db.session.flush()
        if org_key is None:
            user.is_platform_admin = True
            logins.append((email, role, "-"))
            continue
        organization = rows[org_key]
        exists = db.session.scalar(
            select(Membership).where(
                Membership.user_id == user.id, Membership.organization_id == organization.id
            )
        )
        if exists is None:
            db.session.add(
                Membership(user=user, organization=organization, role=role,
                           status=MembershipStatus.ACTIVE)
            )
        logins.append((email, role, organization.name))
    db.session.flush()
    return logins
