"""Help requests: case triage columns, partners, invites, outbox, escalations, chat messages.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the help-request schema."""
    tz = sa.DateTime(timezone=True)
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("address", sa.Text, nullable=True))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("priority", sa.String(4), nullable=True))
        batch.add_column(sa.Column("case_type", sa.String(16), nullable=True))
        batch.add_column(sa.Column("country", sa.String(4), nullable=True))
        batch.add_column(sa.Column("nationality", sa.String(4), nullable=True))
        batch.add_column(sa.Column("indicators", sa.JSON, nullable=True))
        batch.add_column(sa.Column("consent", sa.JSON, nullable=True))
        batch.add_column(sa.Column("details", sa.Text, nullable=True))
        batch.add_column(sa.Column("acknowledged_at", tz, nullable=True))
        batch.add_column(sa.Column("acknowledged_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(32), nullable=True))
        batch.add_column(sa.Column("closed_at", tz, nullable=True))
    op.create_table(
        "partners",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("coverage", sa.JSON, nullable=False),
        sa.Column("ack_sla_minutes", sa.Float, nullable=False),
        sa.Column("webhook_url", sa.Text, nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_table(
        "partner_chats",
        sa.Column("chat_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column(
            "partner_id",
            sa.String(64),
            sa.ForeignKey("partners.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("approved_at", tz, nullable=False),
    )
    op.create_index("ix_partner_chats_partner_id", "partner_chats", ["partner_id"])
    op.create_table(
        "invites",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column(
            "partner_id",
            sa.String(64),
            sa.ForeignKey("partners.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", tz, nullable=False),
        sa.Column("expires_at", tz, nullable=False),
        sa.Column("used_at", tz, nullable=True),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column(
            "case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("partner_id", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("idempotency_key", sa.String(80), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", tz, nullable=False),
        sa.Column("created_at", tz, nullable=False),
        sa.Column("sent_at", tz, nullable=True),
        sa.Column("message_id", sa.BigInteger, nullable=True),
        sa.Column("last_error", sa.String(80), nullable=True),
    )
    op.create_index("ix_outbox_case_id", "outbox", ["case_id"])
    op.create_index("ix_outbox_status", "outbox", ["status"])
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("due_at", tz, nullable=False),
        sa.Column("fired_at", tz, nullable=True),
        sa.Column("cancelled_at", tz, nullable=True),
        sa.UniqueConstraint("case_id", "step", name="uq_escalation_step"),
    )
    op.create_index("ix_escalations_case_id", "escalations", ["case_id"])
    op.create_index("ix_escalations_due_at", "escalations", ["due_at"])
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("message_id", sa.BigInteger, nullable=False),
        sa.Column("sent_at", tz, nullable=False),
        sa.Column("cleanup_at", tz, nullable=True),
    )
    op.create_index("ix_chat_messages_user_id", "chat_messages", ["user_id"])
    op.create_index("ix_chat_messages_cleanup_at", "chat_messages", ["cleanup_at"])


def downgrade() -> None:
    """Remove the help-request schema."""
    for table in ("chat_messages", "escalations", "outbox", "invites", "partner_chats", "partners"):
        op.drop_table(table)
    with op.batch_alter_table("cases") as batch:
        for col in (
            "closed_at",
            "outcome",
            "claimed_by",
            "acknowledged_by",
            "acknowledged_at",
            "details",
            "consent",
            "indicators",
            "nationality",
            "country",
            "case_type",
            "priority",
        ):
            batch.drop_column(col)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("address")
