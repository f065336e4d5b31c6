"""Benchmark-only middleware: tells the client how many SQL queries a request made."""

import time
from contextlib import ExitStack

from django.db import connections


class QueryCountMiddleware:
    """Adds X-Bench-Queries, X-Bench-SQL-ms and X-Bench-App-ms to every response.

    Counts the queries of the whole request (it is the outermost middleware), with the time
    spent in the database driver and the time spent in Django; a streamed body's queries
    are not counted.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        queries = 0
        sql_seconds = 0.0

        def count(execute, sql, params, many, context):
            nonlocal queries, sql_seconds
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries += 1
                sql_seconds += time.perf_counter() - started

        started = time.perf_counter()
        with ExitStack() as stack:
            for connection in connections.all(initialized_only=False):
                stack.enter_context(connection.execute_wrapper(count))
            response = self.get_response(request)
        response["X-Bench-Queries"] = str(queries)
        response["X-Bench-SQL-ms"] = f"{sql_seconds * 1000:.2f}"
        response["X-Bench-App-ms"] = f"{(time.perf_counter() - started) * 1000:.2f}"
        return response
