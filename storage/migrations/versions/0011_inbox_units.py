"""the inbox knows whose an update is (their later updates wait for it) and how many of its
service transactions were committed (a replay skips them)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 16:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox") as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("effects", sa.Integer(), nullable=False, server_default="0"))
    unhandled = sa.text("handled_at IS NULL")
    op.create_index(
        "ix_inbox_waiting",
        "inbox",
        ["user_id"],
        sqlite_where=unhandled,
        postgresql_where=unhandled,
    )


def downgrade() -> None:
    op.drop_index("ix_inbox_waiting", table_name="inbox")
    with op.batch_alter_table("inbox") as batch_op:
        batch_op.drop_column("effects")
        batch_op.drop_column("user_id")
