"""facts staff keep current (values by period, with their audit trail) and notices on guides

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 19:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fact_values",
        sa.Column("fact", sa.String(32), primary_key=True),
        sa.Column("valid_from", sa.Date(), primary_key=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("source_title", sa.String(300), nullable=False),
        sa.Column("source_url", sa.String(300), nullable=True),
        sa.Column("checked_on", sa.Date(), nullable=False),
    )
    op.create_table(
        "fact_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fact", sa.String(32), nullable=False, index=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("old", sa.JSON(), nullable=True),
        sa.Column("new", sa.JSON(), nullable=True),
        sa.Column("staff_id", sa.BigInteger(), nullable=True, index=True),
        sa.Column("reverts", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "guide_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("guide", sa.String(24), nullable=False, index=True),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_by", sa.BigInteger(), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("guide_notices")
    op.drop_table("fact_changes")
    op.drop_table("fact_values")
