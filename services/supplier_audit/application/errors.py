"""The one place domain errors become libs.errors (and so gRPC status codes and REST statuses)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from libs.errors import FailedPrecondition, FieldViolation, InvalidArgument, NotFound
from services.supplier_audit.domain import errors as domain


def _path(prefix: str, field: str) -> str:
    if not prefix:
        return field or "request"
    if not field:
        return prefix
    return f"{prefix}{field}" if field.startswith("[") else f"{prefix}.{field}"


@contextmanager
def domain_errors(prefix: str = "") -> Iterator[None]:
    """Translate the domain's errors raised in the block; field paths get `prefix` in front."""
    try:
        yield
    except domain.DomainValidationError as exc:
        violations = [FieldViolation(_path(prefix, e.field), e.message) for e in exc.errors]
        message = "; ".join(f"{v.field}: {v.message}" for v in violations)
        raise InvalidArgument(message, violations) from None
    except domain.NotFound as exc:
        raise NotFound(exc.message) from None
    except domain.DomainConflict as exc:
        raise FailedPrecondition(exc.message) from None


def not_found(kind: str, ident: str) -> NotFound:
    """The same words whether the id does not exist or belongs to another shop."""
    return NotFound(f"{kind} {ident} not found")
