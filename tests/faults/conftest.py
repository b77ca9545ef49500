"""The deployment the fault suite breaks: a PostgreSQL cluster and a Redis of its own, two
app processes (gunicorn as deployed, documents in the database), seeded with a district,
three officials and their room. Made once for the module: every test leaves it running."""

from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from exchange.profiles.models import Membership, Organization, User
from tests import servers
from tests.chat import live
from tests.faults.cluster import Cluster
from tests.faults.load import Load


@dataclass
class Deployment:
    cluster: Cluster
    database_url: str
    redis_port: int
    ports: list[int]
    processes: dict
    data: dict
    folder: object
    stack: ExitStack

    def base(self, port: int) -> str:
        return f"http://127.0.0.1:{port}/api/v1"

    @property
    def bases(self) -> list[str]:
        return [self.base(port) for port in self.ports]

    def load(self, ports: list[int] | None = None) -> Load:
        """Bob's load on the given processes (all by default)."""
        return Load([self.base(p) for p in (ports or self.ports)], self.data["tokens"]["bob"],
                    self.data["room_id"])

    def sql(self, query: str, *params) -> list[tuple]:
        url = self.database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url) as connection:
            cursor = connection.execute(query, params)
            return cursor.fetchall() if cursor.description else []


def _more_people(database_url: str, district_id: int) -> dict[str, str]:
    """Dora, caseworker of the district (who imports the registry), and Lena, a landlord
    (who offers flats); their API tokens."""
    engine = create_engine(database_url)
    with Session(engine) as session:
        # Caseworkers must use a second factor: hers is set up (tokens need it).
        dora = User(email="dora@mp.example", name="Dora", totp_secret="JBSWY3DPEHPK3PXP",
                    totp_enabled_at=datetime.now(UTC))
        landlord = Organization(name="Vermietung Lena", kind="landlord")
        lena = User(email="lena@mp.example", name="Lena")
        session.add_all([dora, lena, landlord,
                         Membership(user=dora, organization_id=district_id,
                                    role="caseworker", status="active"),
                         Membership(user=lena, organization=landlord, role="landlord",
                                    status="active")])
        tokens = {"dora": servers.token(session, dora), "lena": servers.token(session, lena)}
        session.commit()
    engine.dispose()
    return tokens


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults")
    with ExitStack() as stack:
        cluster = Cluster(servers.free_port())
        stack.callback(cluster.drop)
        cluster.create()
        database_url = cluster.create_database("exchange_faults")
        redis_port = servers.free_port()
        servers.start_redis(stack, redis_port, folder / "redis")
        env = {**os.environ, "DATABASE_URL": database_url, "EXCHANGE_ENV": "production",
               "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0", "DOCUMENTS_STORE": "database",
               "SECRET_KEY": "faults-" + "k" * 32, "PRESENCE_TTL_SECONDS": "3"}
        ports = [servers.free_port(), servers.free_port()]
        processes = {port: servers.start_server(
            stack, {**env, "INSTANCE_PATH": str(folder / f"i{port}")}, port,
            folder / f"{port}.log") for port in ports}
        servers.upgrade_database(database_url)
        data = live.seed(database_url)
        data["tokens"].update(_more_people(database_url, data["district_id"]))
        for port, process in processes.items():
            servers.wait_until_serving(process, port, folder / f"{port}.log")
        yield Deployment(cluster, database_url, redis_port, ports, processes, data, folder,
                         stack)
