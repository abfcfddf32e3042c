"""typed questions that found nothing or did not help

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 23:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_questions_created_at", "questions", ["created_at"])
    op.create_table(
        "question_askers",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("question_id"),
    )
    op.create_index("ix_question_askers_user_id", "question_askers", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_question_askers_user_id", table_name="question_askers")
    op.drop_table("question_askers")
    op.drop_index("ix_questions_created_at", table_name="questions")
    op.drop_table("questions")
