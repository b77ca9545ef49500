"""Imports every domain's models so that Base.metadata is complete (Alembic, tests)."""

from exchange import idempotency  # noqa: F401
from exchange.capacity import models as capacity_models  # noqa: F401
from exchange.chat import models as chat_models  # noqa: F401
from exchange.concepts import models as concepts_models  # noqa: F401
from exchange.documents import models as documents_models  # noqa: F401
from exchange.listings import models as listings_models  # noqa: F401
from exchange.notifications import models as notifications_models  # noqa: F401
from exchange.placement import models as placement_models  # noqa: F401
from exchange.places import models as places_models  # noqa: F401
from exchange.profiles import models as profiles_models  # noqa: F401
