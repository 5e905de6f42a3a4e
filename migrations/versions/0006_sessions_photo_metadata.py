"""Server-side sessions (logout, idle time and a disabled account end them on the server), the moment a
password last changed, and the capture time and place read from a photo's EXIF before it is re-encoded.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('end_reason', sa.String(length=20), nullable=True),
        sa.Column('ip', sa.String(length=45), nullable=True),
        sa.Column('user_agent', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key_hash'),
    )
    op.create_index('ix_user_sessions_user_id', 'user_sessions', ['user_id'])
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('password_changed_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('attachments') as batch_op:
        batch_op.add_column(sa.Column('taken_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('gps_lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('gps_lon', sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table('attachments') as batch_op:
        batch_op.drop_column('gps_lon')
        batch_op.drop_column('gps_lat')
        batch_op.drop_column('taken_at')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('password_changed_at')
    op.drop_index('ix_user_sessions_user_id', table_name='user_sessions')
    op.drop_table('user_sessions')
