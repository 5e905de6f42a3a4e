"""What the engine raises; callers never see a SpiffWorkflow exception."""


class EngineError(Exception):
    """A workflow operation could not be carried out."""


class DiagramError(EngineError):
    """The diagram cannot be used; `problems` maps element id (or '') to messages."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__('; '.join(f'{k or "diagram"}: {m}' for k, msgs in problems.items() for m in msgs))


class TaskNotReadyError(EngineError):
    """The task does not exist in this instance or is not waiting for a person."""


class NoPathError(EngineError):
    """A gateway found no outgoing flow for the submitted data."""

    def __init__(self, message, element_id=None):
        self.element_id = element_id
        super().__init__(message)


class MigrationRefused(EngineError):
    """An instance cannot move to another diagram version; the message says why."""
