"""Helper processes that prepare index batches for a rebuild.

Reading, normalising and tokenising the articles costs about as much as
writing the index, and a database has one writer, so on two cores one
process writes while a helper prepares the next batches.

Helpers are spawned, not forked: a fork would inherit the writer's open
database connection and the threads of whatever started the rebuild.  This
module imports nothing from Django at the top, so that a new interpreter can
load it before Django is set up.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor


def _start(database: dict) -> None:
    import django
    from django.db import connections

    django.setup()
    # The writer's database, which under test is not the one in the settings file.
    connections["default"].close()
    connections["default"].settings_dict.update(database)


def _prepare(issue_ids: list[int]):
    from jianbao.archive.search.index import prepared_batch

    return prepared_batch(issue_ids)


class Helpers:
    """``count`` processes that prepare batches in order, a few batches ahead
    of the writer so that memory stays bounded."""

    AHEAD = 3

    def __init__(self, count: int, database: dict):
        self.count = count
        self.database = database

    def __enter__(self) -> Helpers:
        self.pool = ProcessPoolExecutor(
            self.count,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(self.database,),
        )
        return self

    def __exit__(self, *exc_info) -> None:
        self.pool.shutdown(cancel_futures=True)

    def prepared(self, batches: list[list[int]]) -> Iterator[tuple]:
        todo = iter(batches)
        pending: deque[Future] = deque(
            self.pool.submit(_prepare, issue_ids)
            for issue_ids in itertools.islice(todo, self.count * self.AHEAD)
        )
        while pending:
            batch = pending.popleft().result()
            pending.extend(self.pool.submit(_prepare, ids) for ids in itertools.islice(todo, 1))
            yield batch
