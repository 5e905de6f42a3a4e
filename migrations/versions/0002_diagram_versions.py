"""Diagram versions: change note, base version, deployment record, one deployed version per process.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_definitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('base_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('note', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('deployed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('deployed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_process_definitions_deployed_by', 'users', ['deployed_by_id'], ['id'])
    op.execute('UPDATE process_definitions SET deployed_at = created_at WHERE deployed')
    op.create_index('uq_process_definitions_one_deployed', 'process_definitions', ['process_id'], unique=True,
                    sqlite_where=sa.text('deployed'), postgresql_where=sa.text('deployed'))


def downgrade():
    op.drop_index('uq_process_definitions_one_deployed', table_name='process_definitions')
    with op.batch_alter_table('process_definitions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_process_definitions_deployed_by', type_='foreignkey')
        batch_op.drop_column('deployed_by_id')
        batch_op.drop_column('deployed_at')
        batch_op.drop_column('note')
        batch_op.drop_column('base_version')
