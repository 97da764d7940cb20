"""Which failures a retry can cure: the one rule the DAGs' retry policy and the ingest task apply.

A retry repeats the same work on the same input. It helps when the world was in the way (a server down or
slow, a deadline, a dropped connection, the warehouse restarting) and cannot help when the input or the
code is wrong (a 4xx, an answer of the wrong shape, a value that does not parse, a bad catalogue row, a
constraint the data breaks): those fail at once, so a person sees them now, not after three backoffs.
"""

from __future__ import annotations

from etl.sources.errors import SourceError

#: wrong input or wrong code: the same call fails the same way (ValueError covers JSON, Unicode, parse errors)
DETERMINISTIC: tuple[type[BaseException], ...] = (ValueError, LookupError, TypeError, ArithmeticError)
#: the warehouse refused the data itself (as opposed to being unreachable), by qualified class name so
#: that this module imports neither SQLAlchemy nor psycopg2
DETERMINISTIC_BY_NAME = frozenset(
    {
        "sqlalchemy.exc.DataError",
        "sqlalchemy.exc.IntegrityError",
        "sqlalchemy.exc.ProgrammingError",
        "psycopg2.DataError",
        "psycopg2.IntegrityError",
        "psycopg2.ProgrammingError",
        "etl.warehouse.migrate.MigrationError",
        "etl.quality.outcome.QualityFailure",
    }
)


def is_transient(exc: BaseException) -> bool:
    """True when trying again later may succeed; unknown failures count as transient (bounded by retries)."""
    if isinstance(exc, SourceError):
        return exc.retryable
    if isinstance(exc, DETERMINISTIC):
        return False
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in type(exc).__mro__}
    return not names & DETERMINISTIC_BY_NAME
