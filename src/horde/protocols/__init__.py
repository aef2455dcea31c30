"""Users and clients for protocols other than HTTP, on one small base class.

Each protocol lives in its own module and imports its library only when that module is imported,
so ``horde`` itself needs none of them: ``horde.protocols.websocket`` (websocket-client),
``grpc`` (grpcio), ``postgres`` (psycopg), ``mqtt`` (paho-mqtt); ``socket`` and ``framing`` need
only gevent. A missing library is one clear error naming the extra to install.
"""
