"""Chinese full-text search that never misses a substring match.

``text`` turns titles, bodies and queries into normalised strings and index
tokens; ``backends`` stores and queries those tokens in SQLite FTS5 or a
PostgreSQL tsvector; ``index`` keeps the index in step with published issues.
"""
