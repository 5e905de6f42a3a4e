"""The only package that imports SpiffWorkflow. No Flask, no database."""
from .dryrun import DryRunPath, DryRunReport
from .engine import (
    ProcessModel,
    ReadyTask,
    StepResult,
    Trail,
    UserTaskInfo,
    WorkflowEngine,
)
from .errors import DiagramError, EngineError, MigrationRefused, NoPathError, TaskNotReadyError
from .expressions import ExpressionError
from .safe_xml import MAX_BPMN_BYTES, UnsafeXmlError
from .versions import ATTRIBUTE_LABELS, Comparison, describe_changes

__all__ = ['ATTRIBUTE_LABELS', 'MAX_BPMN_BYTES', 'Comparison', 'DiagramError', 'DryRunPath', 'DryRunReport',
           'EngineError', 'ExpressionError', 'MigrationRefused', 'NoPathError', 'ProcessModel', 'ReadyTask',
           'StepResult', 'TaskNotReadyError', 'Trail', 'UnsafeXmlError', 'UserTaskInfo', 'WorkflowEngine',
           'describe_changes']
