"""The evidence domain's errors as libs.errors (the domain stays free of gRPC): one mapping, here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from libs.errors import DomainError, FailedPrecondition, InvalidArgument, PermissionDenied
from services.evidence.domain.appeal import ForbiddenAppealMove, NotAllowed
from services.evidence.domain.errors import InvalidAppeal, InvalidEntry, InvalidProofRequest

# Entry fields as clients name them (API.md: "sha256", not the canonical "content_sha256").
FIELD_NAMES = {"content_sha256": "sha256"}


def as_domain_error(exc: Exception, *, prefix: str = "") -> DomainError | None:
    """The libs.errors equivalent of an evidence-domain error (None for anything else: a bug)."""
    if isinstance(exc, InvalidEntry | InvalidAppeal):
        return InvalidArgument.on(prefix + FIELD_NAMES.get(exc.field, exc.field), exc.reason)
    if isinstance(exc, InvalidProofRequest):
        return InvalidArgument(exc.message)
    if isinstance(exc, ForbiddenAppealMove):
        return FailedPrecondition(exc.message)
    if isinstance(exc, NotAllowed):
        return PermissionDenied(exc.message)
    return None


@contextmanager
def domain_errors(prefix: str = "") -> Iterator[None]:
    """Re-raise evidence-domain errors as their libs.errors equivalent (field names get ``prefix``)."""
    try:
        yield
    except (InvalidEntry, InvalidAppeal, InvalidProofRequest, ForbiddenAppealMove, NotAllowed) as exc:
        mapped = as_domain_error(exc, prefix=prefix)
        assert mapped is not None
        raise mapped from None
