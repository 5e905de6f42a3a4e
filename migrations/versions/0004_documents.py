"""Official documents: generated PDF versions with their hash, gap-free number counters per type and
year, follow-up actions from the Notulen, the settings the superadmin edits (kop, numbering, signers), and
the moment documents began (earlier steps are not backfilled).

Revision ID: 0004
Revises: 0003
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('nomor', sa.String(length=120), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('storage_name', sa.String(length=80), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'year', 'sequence', 'version', name='uq_documents_number_version'),
        sa.UniqueConstraint('storage_name'))
    op.create_index('ix_documents_instance_kind', 'documents', ['instance_id', 'kind'])
    op.create_table(
        'document_counters',
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'year'))
    op.create_table(
        'follow_up_actions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('tindakan', sa.Text(), nullable=False),
        sa.Column('penanggung_jawab', sa.String(length=300), nullable=False),
        sa.Column('batas_waktu', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('catatan', sa.Text(), nullable=True),
        sa.Column('done_by_id', sa.Integer(), nullable=True),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['done_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id']),
        sa.ForeignKeyConstraint(['submission_id'], ['task_submissions.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_follow_up_actions_instance_id', 'follow_up_actions', ['instance_id'])
    op.create_index('ix_follow_up_actions_status_deadline', 'follow_up_actions', ['status', 'batas_waktu'])
    op.create_table(
        'settings',
        sa.Column('key', sa.String(length=50), nullable=False),
        sa.Column('value', sa.JSON(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('lock_version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('key'))
    # steps completed before this upgrade get no documents: their data has another shape, and their
    # numbers would fill this year's register with letters that were never issued
    now = datetime.now(UTC).replace(tzinfo=None)
    settings = sa.table('settings', sa.column('key', sa.String), sa.column('value', sa.JSON),
                        sa.column('updated_at', sa.DateTime), sa.column('lock_version', sa.Integer))
    op.bulk_insert(settings, [{'key': 'dokumen_sejak', 'value': {'sejak': now.isoformat()}, 'updated_at': now,
                               'lock_version': 1}])


def downgrade():
    op.drop_table('settings')
    op.drop_index('ix_follow_up_actions_status_deadline', table_name='follow_up_actions')
    op.drop_index('ix_follow_up_actions_instance_id', table_name='follow_up_actions')
    op.drop_table('follow_up_actions')
    op.drop_table('document_counters')
    op.drop_index('ix_documents_instance_kind', table_name='documents')
    op.drop_table('documents')
