"""Driver indexes: created_at after the user and feature of cost_records; records with a run.

Revision ID: 0009
Revises: 0008

The anomaly drivers of a few users or features read only their records in the current and
baseline windows (``adapters/sql/cost_driver.py``): (tenant_id, user_id) and
(tenant_id, feature_tag) become (tenant_id, user_id, created_at) and
(tenant_id, feature_tag, created_at), which also serve every lookup the old ones did. The
tenant's worker drivers read the records that have a worker run, through a partial index.
On Postgres an index of the partitioned table is created on every partition.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

WITH_RUN = sa.text("worker_run_id IS NOT NULL")
#: (old name, old columns) -> (new name, new columns)
REPLACED = (
    (("ix_cost_records_tenant_user", ["tenant_id", "user_id"]),
     ("ix_cost_records_tenant_user_created", ["tenant_id", "user_id", "created_at"])),
    (("ix_cost_records_tenant_feature", ["tenant_id", "feature_tag"]),
     ("ix_cost_records_tenant_feature_created", ["tenant_id", "feature_tag", "created_at"])),
)
WORKER = "ix_cost_records_tenant_worker_created"


def upgrade() -> None:
    for (old, _), (new, columns) in REPLACED:
        op.drop_index(old, table_name="cost_records")
        op.create_index(new, "cost_records", columns)
    op.create_index(WORKER, "cost_records", ["tenant_id", "created_at"],
                    postgresql_where=WITH_RUN, sqlite_where=WITH_RUN)


def downgrade() -> None:
    op.drop_index(WORKER, table_name="cost_records")
    for (old, columns), (new, _) in REPLACED:
        op.drop_index(new, table_name="cost_records")
        op.create_index(old, "cost_records", columns)
