"""Errors a use case reports; app/errors.py turns them into HTTP responses."""


class ServiceError(Exception):
    status = 400

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFoundError(ServiceError):
    status = 404


class PermissionDenied(ServiceError):
    status = 403


class ConflictError(ServiceError):
    status = 409


class ValidationFailed(ServiceError):
    status = 422
