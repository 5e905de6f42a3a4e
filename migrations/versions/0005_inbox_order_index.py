"""Inbox orders by arrival ("terbaru", "terlama") read an index instead of sorting every open task of
the lane.

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_human_tasks_inbox_created', 'human_tasks', ['status', 'lane', 'created_at'])


def downgrade():
    op.drop_index('ix_human_tasks_inbox_created', table_name='human_tasks')
