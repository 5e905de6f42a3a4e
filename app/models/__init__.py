"""SQLAlchemy models, one module per aggregate."""
from .audit import AuditChainHead, AuditEvent
from .document import Document, DocumentCounter, FollowUpAction, Setting
from .notification import Notification, SchedulerLease
from .process import HumanTask, ProcessDefinition, ProcessInstance, TaskSubmission
from .report import Attachment, Report
from .user import ApiToken, User, UserRole, UserSession

__all__ = ['ApiToken', 'Attachment', 'AuditChainHead', 'AuditEvent', 'Document', 'DocumentCounter',
           'FollowUpAction', 'HumanTask', 'Notification', 'ProcessDefinition', 'ProcessInstance', 'Report',
           'SchedulerLease', 'Setting', 'TaskSubmission', 'User', 'UserRole', 'UserSession']
