"""Create users, sessions, cases, answers, assessments and tips.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the first schema."""
    tz = sa.DateTime(timezone=True)
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", tz, nullable=False),
        sa.Column("last_seen_at", tz, nullable=False),
    )
    op.create_index("ix_users_key", "users", ["key"])
    op.create_table(
        "sessions",
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("updated_at", tz, nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(16), nullable=False, unique=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("created_at", tz, nullable=False),
    )
    op.create_index("ix_cases_ref", "cases", ["ref"])
    op.create_index("ix_cases_user_id", "cases", ["user_id"])
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("question", sa.String(64), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
    )
    op.create_index("ix_answers_case_id", "answers", ["case_id"])
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("risk", sa.String(8), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("indicators", sa.JSON, nullable=False),
        sa.Column("counters", sa.JSON, nullable=False),
        sa.Column("countries", sa.JSON, nullable=False),
        sa.Column("created_at", tz, nullable=False),
    )
    op.create_index("ix_assessments_case_id", "assessments", ["case_id"])
    op.create_table(
        "tips",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", tz, nullable=False),
    )
    op.create_index("ix_tips_case_id", "tips", ["case_id"])


def downgrade() -> None:
    """Drop the first schema."""
    for table in ("tips", "assessments", "answers", "cases", "sessions", "users"):
        op.drop_table(table)
