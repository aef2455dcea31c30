"""The ``horde`` command. Only this package reads argv, installs signal handlers, patches gevent
or decides the process exit code."""
