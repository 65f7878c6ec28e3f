"""The HTTP edge: middleware, the guarded HTTP/1.1 server, errors and their handlers, health,
the docs UI and request logs."""
