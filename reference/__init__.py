"""Reference implementations of every assignment the course teaches, one module per assignment.

Each module cites the lecture note (``../shared/seeds/``) its model or function comes from and declares
``ASSIGNMENT``; :func:`harness.catalog.load_catalog` finds them. Student code never sees this package.
"""
