"""The only package that imports SpiffWorkflow. No Flask, no database."""
from .dryrun import DryRunPath, DryRunReport
from .engine import (
    ProcessModel,
    ReadyTask,
    StepResult,
    UserTaskInfo,
    WorkflowEngine,
)
from .errors import DiagramError, EngineError, MigrationRefused, NoPathError, TaskNotReadyError
from .expressions import ExpressionError
from .safe_xml import UnsafeXmlError
from .versions import Comparison

__all__ = ['Comparison', 'DiagramError', 'DryRunPath', 'DryRunReport', 'EngineError', 'ExpressionError',
           'MigrationRefused', 'NoPathError', 'ProcessModel', 'ReadyTask', 'StepResult', 'TaskNotReadyError',
           'UnsafeXmlError', 'UserTaskInfo', 'WorkflowEngine']
