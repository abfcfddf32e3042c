"""/delete forgets a staff member in what stays: who granted a role and who wrote a case's
message may be NULL ("deleted staff")

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 14:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_roles") as batch_op:
        batch_op.alter_column("granted_by", existing_type=sa.BigInteger(), nullable=True)
    with op.batch_alter_table("case_messages") as batch_op:
        batch_op.alter_column("author_id", existing_type=sa.BigInteger(), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE case_messages SET author_id = 0 WHERE author_id IS NULL")
    op.execute("UPDATE staff_roles SET granted_by = 0 WHERE granted_by IS NULL")
    with op.batch_alter_table("case_messages") as batch_op:
        batch_op.alter_column("author_id", existing_type=sa.BigInteger(), nullable=False)
    with op.batch_alter_table("staff_roles") as batch_op:
        batch_op.alter_column("granted_by", existing_type=sa.BigInteger(), nullable=False)
