"""Deadlines and notifications: SLA clock start and reminder marks on tasks, the next timer per
instance, notifications (with their e-mail outbox state), the scheduler lease, users' e-mail,
indexes for the dashboard's period filters.

Revision ID: 0003
Revises: 0002
"""
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scheduler_leases',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('holder', sa.String(length=100), nullable=True),
        sa.Column('acquired_at', sa.DateTime(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('name'))
    # the row exists before any tick runs, so two first ticks race on an UPDATE, not an INSERT
    op.execute("INSERT INTO scheduler_leases (name) VALUES ('tick')")
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=True),
        sa.Column('link', sa.String(length=300), nullable=True),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.Column('human_task_id', sa.Integer(), nullable=True),
        sa.Column('dedup_key', sa.String(length=120), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.Column('email_status', sa.String(length=12), nullable=True),
        sa.Column('email_attempts', sa.Integer(), nullable=False),
        sa.Column('email_error', sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(['human_task_id'], ['human_tasks.id']),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'dedup_key', name='uq_notifications_user_key'))
    op.create_index('ix_notifications_email', 'notifications', ['email_status'])
    op.create_index('ix_notifications_instance_id', 'notifications', ['instance_id'])
    op.create_index('ix_notifications_user_unread', 'notifications', ['user_id', 'read_at'])

    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('remind_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('overdue_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_human_tasks_completed', ['completed_at'])
        batch_op.create_index('ix_human_tasks_status_due', ['status', 'due_at'])
        batch_op.create_index('ix_human_tasks_to_remind', ['status', 'reminded_at', 'remind_at'])
        batch_op.create_index('ix_human_tasks_to_mark_overdue', ['status', 'overdue_at', 'due_at'])
    op.execute('UPDATE human_tasks SET started_at = created_at')
    _remind_open_tasks_at_half_time()

    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_timer_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_process_instances_next_timer_at', ['next_timer_at'])

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
    # the dashboard's period filter and its newest verified reports
    op.create_index('ix_reports_submitted_at', 'reports', ['submitted_at'])
    op.create_index('ix_reports_verified_at', 'reports', ['verified_at'])


def _remind_open_tasks_at_half_time():
    """Open tasks from before get their reminder at half of their time standard (portable arithmetic)."""
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, created_at, due_at FROM human_tasks "
                                "WHERE status = 'terbuka' AND due_at IS NOT NULL")).all()
    for task_id, created, due in rows:
        created, due = (value if not isinstance(value, str) else datetime.fromisoformat(value)
                        for value in (created, due))
        conn.execute(sa.text('UPDATE human_tasks SET remind_at = :at WHERE id = :id'),
                     {'at': created + (due - created) / 2, 'id': task_id})


def downgrade():
    op.drop_index('ix_reports_verified_at', table_name='reports')
    op.drop_index('ix_reports_submitted_at', table_name='reports')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email')
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.drop_index('ix_process_instances_next_timer_at')
        batch_op.drop_column('next_timer_at')
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_human_tasks_to_mark_overdue')
        batch_op.drop_index('ix_human_tasks_to_remind')
        batch_op.drop_index('ix_human_tasks_status_due')
        batch_op.drop_index('ix_human_tasks_completed')
        batch_op.drop_column('overdue_at')
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('remind_at')
        batch_op.drop_column('started_at')
    op.drop_table('notifications')
    op.drop_table('scheduler_leases')
