"""The table of every option: flags, type, default, environment variables and help.

One declarative table feeds the command-line parser, config files, environment variables, the
Settings object and the documentation, so they cannot drift apart. ``dest`` names are Locust's
``parsed_options`` attribute names, which locustfiles read through ``environment.parsed_options``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal[
    "str", "int", "float", "bool", "timespan", "list", "multi", "loglevel", "login", "custom"
]
"""``list``: values split on commas and spaces (tags); ``multi``: a repeatable flag whose values
are kept whole (thresholds contain spaces); ``login``: a flag that may take a value
(``--web-login`` alone, or ``--web-login USER:PW``)."""


@dataclass(frozen=True, slots=True)
class Option:
    dest: str
    flags: tuple[str, ...]
    kind: Kind = "str"
    default: Any = None
    help: str = ""
    group: str = "common"
    metavar: str | None = None
    env: tuple[str, ...] = ()
    """Other environment variable names. A ``LOCUST_*`` name here is Locust's own spelling and
    replaces the derived LOCUST_<NAME> (Locust renamed LOCUST_MASTER_PORT to
    LOCUST_MASTER_NODE_PORT because Kubernetes sets LOCUST_MASTER_PORT=tcp://... for a service
    called locust-master); HORDE_<NAME> is always read, last."""
    hidden: bool = False
    config_keys: tuple[str, ...] = ()
    """Extra keys accepted in config files besides the long flag name."""
    converter: Any = None
    """For options added by locustfiles (kind "custom"): the argparse ``type`` callable."""
    choices: tuple[Any, ...] | None = None
    const: Any = None
    """For a flag whose argument is optional (``--archive [DIR]``): the value when it is given
    without one."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Locust's extra add_argument keywords: include_in_web_ui, is_secret, is_required..."""

    @property
    def long_name(self) -> str:
        longs = [f for f in self.flags if f.startswith("--")]
        return (longs[0] if longs else self.flags[0]).lstrip("-")

    @property
    def env_names(self) -> tuple[str, ...]:
        """Variables read for this option, lowest precedence first."""
        stem = self.long_name.upper().replace("-", "_")
        own = any(name.startswith("LOCUST_") for name in self.env)
        names = (*(() if own else (f"LOCUST_{stem}",)), *self.env, f"HORDE_{stem}")
        return tuple(dict.fromkeys(names))

    @property
    def file_keys(self) -> tuple[str, ...]:
        keys = [self.long_name, self.dest, *self.config_keys]
        return tuple(dict.fromkeys(k.replace("_", "-") for k in keys))


@dataclass(frozen=True, slots=True)
class LegacyFlag:
    """An old spelling accepted with a one-line notice, mapped onto a current option."""

    flags: tuple[str, ...]
    dest: str
    notice: str
    value: Any = field(default=None)
    """For flags that take no argument: the value they set (e.g. --no-web sets headless)."""


def _o(dest: str, *flags: str, **kw: Any) -> Option:
    return Option(dest, flags, **kw)


# fmt: off
OPTIONS: tuple[Option, ...] = (
    # -- common ------------------------------------------------------------------------------
    _o("locustfile", "-f", "--locustfile", default="locustfile.py", metavar="FILE",
       help="Python file(s) with User classes: a file, a comma-separated list or a directory"),
    _o("config", "--config", metavar="FILE", help="read options from this config file too"),
    _o("host", "-H", "--host", metavar="URL",
       help="base URL of the system under test, e.g. http://127.0.0.1:8080"),
    _o("num_users", "-u", "--users", kind="int", metavar="N", config_keys=("num-users",),
       help="peak number of concurrent users (default 1 when headless)"),
    _o("spawn_rate", "-r", "--spawn-rate", kind="float", metavar="RATE",
       help="users started per second while ramping up (default 1 when headless)"),
    _o("run_time", "-t", "--run-time", kind="timespan", metavar="TIME",
       help="stop after this long, e.g. 300s, 20m, 1h20m (default: run until stopped)"),
    _o("list_commands", "-l", "--list", kind="bool", default=False,
       help="list the User classes and exit"),
    _o("show_task_ratio", "--show-task-ratio", kind="bool", default=False,
       help="print the task execution ratio of each User class and exit"),
    _o("show_task_ratio_json", "--show-task-ratio-json", kind="bool", default=False,
       help="print the task execution ratio as JSON and exit"),
    _o("exit_code_on_error", "--exit-code-on-error", kind="int", default=1, metavar="CODE",
       help="exit code when the test saw failures or user exceptions"),
    _o("stop_timeout", "-s", "--stop-timeout", kind="timespan", default=0.0, metavar="TIME",
       help="let running tasks finish for up to this long when stopping"),
    _o("equal_weights", "--equal-weights", kind="bool", default=False,
       help="give every task the same weight"),
    _o("debug", "--debug", kind="bool", default=False,
       help="show full tracebacks for errors (also implied by -L DEBUG)"),
    _o("stop_grace", "--stop-grace", kind="timespan", default=5.0, metavar="TIME",
       help="when stopping, let requests already sent finish for up to this long (they are "
            "counted; after it they are recorded as cancelled)"),
    # -- load models ---------------------------------------------------------------------------
    _o("stages", "--stages", kind="multi", default=(), group="load", metavar="STAGES",
       help="ramp through stages DURATION:USERS[@RATE],...: e.g. 30s:100@10,1m:100,30s:0"),
    _o("arrival_rate", "--arrival-rate", group="load", metavar="RATE",
       help="open model: start RATE iterations (tasks) per second whatever the target's speed, "
            "on at most -u users; or stages DURATION:RATE,... e.g. 30s:50,1m:200"),
    _o("pre_allocated_users", "--pre-allocated-users", kind="int", group="load", metavar="N",
       help="arrival rate: users started before the first iteration (default: rate/10)"),
    _o("max_lateness", "--max-lateness", kind="timespan", default=10.0, group="load",
       metavar="TIME", help="arrival rate: drop (and count) an iteration that could not "
            "start this long after it was due because every user was busy"),
    _o("iterations", "-i", "--iterations", kind="int", group="load", metavar="N",
       help="run N iterations (tasks) in total over the -u users, then stop"),
    _o("iterations_per_user", "--iterations-per-user", kind="int", group="load", metavar="N",
       help="each of the -u users runs N iterations (tasks), then the test stops"),
    _o("executor", "--executor", group="load", metavar="NAME",
       help="name the executor (k6's names): ramping-vus, constant-vus, shape, "
            "constant-arrival-rate, ramping-arrival-rate, shared-iterations, per-vu-iterations; "
            "default: implied by the options above"),
    _o("shape", "--shape", group="load", metavar="CLASS",
       help="the LoadTestShape class to use when the locustfile has several"),
    # -- thresholds -----------------------------------------------------------------------------
    _o("thresholds", "--threshold", kind="multi", default=(), group="thresholds",
       metavar="EXPR", config_keys=("thresholds",),
       help="pass/fail check, repeatable: 'p95<300ms', 'GET /api: p99<1s', 'fail_ratio<1%%', "
            "'rps>100'; add ' abort' to stop the test at once when it fails"),
    _o("junit_xml", "--junit-xml", group="thresholds", metavar="FILE",
       help="write thresholds and failing request names as a JUnit XML report"),
    _o("check_rps", "--check-rps", kind="float", group="thresholds", metavar="RPS",
       help="locust-plugins' check: fail unless the run averaged at least RPS requests/s"),
    _o("check_fail_ratio", "--check-fail-ratio", kind="float", group="thresholds",
       metavar="RATIO", help="locust-plugins' check: fail if the failure ratio (0-1) is above"),
    _o("check_avg_response_time", "--check-avg-response-time", kind="float",
       group="thresholds", metavar="MS",
       help="locust-plugins' check: fail if the average response time (ms) is above"),
    # -- web UI (served by a later release; accepted now) -----------------------------------
    _o("headless", "--headless", kind="bool", default=False, group="web",
       help="run without the web UI and start the test at once"),
    _o("autostart", "--autostart", kind="bool", default=False, group="web",
       help="start the test at once and keep the web UI"),
    _o("autoquit", "--autoquit", kind="int", default=-1, group="web", metavar="SECONDS",
       help="with --autostart, quit this many seconds after the test ends"),
    _o("web_host", "--web-host", default="127.0.0.1", group="web", metavar="HOST",
       help="interface the web UI listens on"),
    _o("web_port", "-P", "--web-port", kind="int", default=8089, group="web", metavar="PORT",
       help="port of the web UI"),
    _o("web_login", "--web-login", kind="login", group="web", metavar="USER:PASSWORD",
       help="require this login for the web UI (prefer HORDE_WEB_LOGIN or --web-login-file: "
            "the command line is visible to every user of the machine); without a value: "
            "the locustfile's Flask-Login setup, as in Locust"),
    _o("web_login_file", "--web-login-file", group="web", metavar="FILE",
       help="read the web UI's USER:PASSWORD from the first line of FILE"),
    _o("web_allowed_hosts", "--web-allowed-hosts", kind="list", default=(), group="web",
       metavar="NAME",
       help="more host names the web UI answers to (e.g. a reverse proxy's); '.example.com' "
            "for a domain and its subdomains; '*' for any (no DNS-rebinding protection)"),
    _o("web_base_path", "--web-base-path", default="", group="web", metavar="PATH",
       help="serve the web UI under this path prefix"),
    _o("tls_cert", "--tls-cert", group="web", metavar="FILE", help="TLS certificate for the UI"),
    _o("tls_key", "--tls-key", group="web", metavar="FILE", help="TLS private key for the UI"),
    # -- distributed ---------------------------------------------------------------------------
    _o("master", "--master", kind="bool", default=False, group="distributed",
       env=("LOCUST_MODE_MASTER",), help="run as master of distributed workers"),
    _o("worker", "--worker", kind="bool", default=False, group="distributed",
       env=("LOCUST_MODE_WORKER",), help="run as a worker that connects to a master"),
    _o("master_host", "--master-host", default="127.0.0.1", group="distributed",
       env=("LOCUST_MASTER_NODE_HOST",), metavar="HOST", help="master to connect to"),
    _o("master_port", "--master-port", kind="int", default=5557, group="distributed",
       env=("LOCUST_MASTER_NODE_PORT",), metavar="PORT", help="master port to connect to"),
    _o("master_bind_host", "--master-bind-host", default="127.0.0.1", group="distributed",
       metavar="HOST",
       help="interface the master listens on (default 127.0.0.1; Locust's is '*'); beyond "
            "loopback it needs a shared secret (HORDE_SECRET or --secret-file)"),
    _o("master_bind_port", "--master-bind-port", kind="int", default=5557, group="distributed",
       metavar="PORT", help="port the master listens on (0: any free port, logged)"),
    _o("expect_workers", "--expect-workers", kind="int", default=1, group="distributed",
       metavar="N", help="headless or --autostart master: wait for this many workers"),
    _o("expect_workers_max_wait", "--expect-workers-max-wait", kind="float", default=0.0,
       group="distributed", metavar="SECONDS",
       help="give up waiting for --expect-workers after this long (0: wait forever)"),
    _o("enable_rebalancing", "--enable-rebalancing", kind="bool", default=False,
       group="distributed",
       help="accepted as in Locust; horde always moves users when workers join or leave"),
    _o("processes", "--processes", kind="int", group="distributed", metavar="N",
       help="run N worker processes on this machine (-1: one per core; at most 8 per "
            "core)"),
    _o("secret_file", "--secret-file", group="distributed", metavar="FILE",
       help="shared secret of master and workers: the first line of FILE (or set HORDE_SECRET)"),
    _o("allow_unauthenticated", "--allow-unauthenticated", kind="bool", default=False,
       group="distributed",
       help="let a master listen beyond loopback without a shared secret (anyone who reaches "
            "the port can join as a worker)"),
    _o("heartbeat_interval", "--heartbeat-interval", kind="float", default=1.0,
       group="distributed", metavar="SECONDS",
       help="master: seconds between heartbeats (and between worker reports), 0.1 to "
            "86,400"),
    _o("heartbeat_liveness", "--heartbeat-liveness", kind="int", default=3, group="distributed",
       metavar="N", help="master: heartbeats a worker may miss before it is marked missing"),
    _o("master_heartbeat_timeout", "--master-heartbeat-timeout", kind="float", default=60.0,
       group="distributed", metavar="SECONDS",
       help="master: a worker that hears nothing from it for this long stops and exits "
            "(at least twice --heartbeat-interval)"),
    # -- tags --------------------------------------------------------------------------------
    _o("tags", "-T", "--tags", kind="list", group="tags", metavar="TAG",
       help="only run tasks with any of these tags"),
    _o("exclude_tags", "-E", "--exclude-tags", kind="list", group="tags", metavar="TAG",
       help="do not run tasks with any of these tags"),
    # -- statistics and reports -------------------------------------------------------------
    _o("csv_prefix", "--csv", group="stats", metavar="PREFIX", env=("LOCUST_CSV",),
       help="write PREFIX_stats.csv, _stats_history.csv, _failures.csv, _exceptions.csv"),
    _o("stats_history_enabled", "--csv-full-history", kind="bool", default=False, group="stats",
       help="one _stats_history.csv row per request name each second, not just Aggregated"),
    _o("print_stats", "--print-stats", kind="bool", default=False, group="stats",
       help="print the stats table in the terminal while the web UI runs"),
    _o("only_summary", "--only-summary", kind="bool", default=False, group="stats",
       help="print only the final summary, no periodic tables"),
    _o("reset_stats", "--reset-stats", kind="bool", default=False, group="stats",
       help="zero the statistics once all users are spawned"),
    _o("json", "--json", kind="bool", default=False, group="stats",
       help="print the final statistics as JSON on stdout"),
    _o("json_format", "--json-format", group="stats", metavar="FORMAT", default="horde",
       choices=("horde", "locust"),
       help="horde: the versioned report (metadata, Aggregated, thresholds; Locust's list is "
            "its 'stats'); locust: exactly Locust's list, for scripts written for Locust"),
    _o("json_file", "--json-file", group="stats", metavar="NAME",
       help="write the final statistics as JSON to NAME.json"),
    _o("group_urls", "--group-urls", group="stats", metavar="MODE", choices=("auto", "off"),
       help="auto: name requests made without name= after their URL with ids, UUIDs and "
            "tokens folded (/item/[id]); off: the URL as it is (default; a User class's "
            "group_urls attribute applies when this is not given)"),
    _o("html_file", "--html", group="stats", metavar="FILE",
       help="write a one-file HTML report; {u}, {r}, {t} become users, spawn rate, run time"),
    _o("archive", "--archive", group="stats", metavar="DIR", const=".",
       help="save CSV, JSON, HTML, PNG plots, the locustfile and the settings in a "
            "date-stamped folder under DIR (default: the current directory)"),
    _o("archive_zip", "--archive-zip", kind="bool", default=False, group="stats",
       help="with --archive, also pack the folder into a .zip file beside it"),
    _o("prometheus_port", "--prometheus-port", kind="int", group="stats", metavar="PORT",
       help="serve Prometheus metrics at http://WEB_HOST:PORT/metrics (the web UI always "
            "serves them at /metrics)"),
    _o("otel", "--otel", kind="bool", default=False, group="stats",
       help="export metrics over OTLP, configured by the standard OTEL_* environment variables"),
    _o("baseline", "--baseline", group="stats", metavar="FILE",
       help="compare this run with a JSON report (--json-file) of an earlier one; "
            "a regression exits with code 7"),
    _o("baseline_tolerance", "--baseline-tolerance", kind="float", default=10.0, group="stats",
       metavar="PCT", help="with --baseline: how much slower (or lower req/s) is a regression"),
    # -- logging -----------------------------------------------------------------------------
    _o("loglevel", "-L", "--loglevel", kind="loglevel", default="INFO", group="logging",
       metavar="LEVEL", help="DEBUG, INFO, WARNING, ERROR or CRITICAL"),
    _o("logfile", "--logfile", group="logging", metavar="FILE",
       help="write the log to this file instead of stderr"),
    _o("skip_log_setup", "--skip-log-setup", kind="bool", default=False, group="logging",
       help="leave logging configuration to the locustfile"),
    # -- positional ----------------------------------------------------------------------------
    _o("user_classes", "user_classes", kind="list", default=(), metavar="UserClass",
       help="run only these User classes (default: all)"),
)
# fmt: on

LEGACY_FLAGS: tuple[LegacyFlag, ...] = (
    LegacyFlag(("--hatch-rate",), "spawn_rate", "--hatch-rate is now --spawn-rate"),
    LegacyFlag(("-c", "--clients"), "num_users", "-c/--clients is now -u/--users"),
    LegacyFlag(("--no-web",), "headless", "--no-web is now --headless", value=True),
    LegacyFlag(("--slave",), "worker", "--slave is now --worker", value=True),
    LegacyFlag(("--expect-slaves",), "expect_workers", "--expect-slaves is now --expect-workers"),
    LegacyFlag(("--csv-base-name",), "csv_prefix", "--csv-base-name is now --csv"),
)

LEGACY_ENV = {"LOCUST_HATCH_RATE": "spawn_rate", "LOCUST_CLIENTS": "num_users"}

BY_DEST = {o.dest: o for o in OPTIONS}
