"""the directory staff keep: edits over the shipped files, confirmations, the audit trail

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 03:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "directory_edits",
        sa.Column("entry", sa.String(length=8), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("over", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("entry", "field"),
    )
    op.create_table(
        "directory_confirmations",
        sa.Column("entry", sa.String(length=8), nullable=False),
        sa.Column("confirmed_on", sa.Date(), nullable=False),
        sa.Column("confirmed_by", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("entry"),
    )
    op.create_table(
        "directory_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry", sa.String(length=8), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("old", sa.JSON(), nullable=True),
        sa.Column("new", sa.JSON(), nullable=True),
        sa.Column("staff_id", sa.BigInteger(), nullable=True),
        sa.Column("reverts", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_directory_changes_entry", "directory_changes", ["entry"])
    op.create_index("ix_directory_changes_staff_id", "directory_changes", ["staff_id"])


def downgrade() -> None:
    op.drop_index("ix_directory_changes_staff_id", table_name="directory_changes")
    op.drop_index("ix_directory_changes_entry", table_name="directory_changes")
    op.drop_table("directory_changes")
    op.drop_table("directory_confirmations")
    op.drop_table("directory_edits")
