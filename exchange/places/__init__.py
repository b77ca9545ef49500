"""The offline gazetteer: German postcodes and towns with coordinates, loaded from a
package's data file into PostgreSQL and searched with pg_trgm (no request leaves the
server). It knows no domain; the listings' map and form use it."""

from flask_babel import gettext as _


def attribution() -> str:
    """The credit GeoNames' licence (CC BY 4.0) asks for wherever the place names are shown."""
    return _("Places © GeoNames (CC BY 4.0)")
