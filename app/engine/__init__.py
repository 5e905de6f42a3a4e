"""The only package that imports SpiffWorkflow. No Flask, no database."""
from .engine import (
    DiagramError,
    EngineError,
    NoPathError,
    ProcessModel,
    ReadyTask,
    StepResult,
    TaskNotReadyError,
    UserTaskInfo,
    WorkflowEngine,
)
from .expressions import ExpressionError
from .safe_xml import UnsafeXmlError

__all__ = ['DiagramError', 'EngineError', 'ExpressionError', 'NoPathError', 'ProcessModel', 'ReadyTask',
           'StepResult', 'TaskNotReadyError', 'UnsafeXmlError', 'UserTaskInfo', 'WorkflowEngine']
