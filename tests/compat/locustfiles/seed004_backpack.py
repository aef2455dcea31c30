# ruff: noqa
# fmt: off
# Seed 004 ("Locust Backpack"), part 1: the package page's code fragments about endpoints,
# attaching, requests, simple chaining, the Result, dependencies, sealing, truthiness, mass
# assignment and Zip, run under horde against tests/game_server.py (part 2: scenarios).
# The page lost parts of its code blocks when it was captured; restored here, and nothing else:
#   * ResetSession's call was cut after 'post', and is closed with name='ResetSession');
#   * EventInit is used but never declared on the page: declared like the others;
#   * the attach loop's body (endp.attach(self)) and the calls Unzip(self), Request(),
#     Request('get'), .seal / .unseal, SealAll() / UnsealAll() and Zip() were lost from their
#     blocks: written as the text around them describes;
#   * DEPENDS_ON is imported from locust_backpack (the page uses it bare), and auth_header,
#     which SetGlobal uses, is defined;
#   * the page shows no User class: LoopUser and UnzipUser run the fragments in tasks.
import locust_backpack as Backpack
from locust_backpack import DEPENDS_ON
from locust import HttpUser, TaskSet, task, constant, events

TeamInit = Backpack.LocustEndpoint('/public/team/v1/init', 'post')
PvP2Init = Backpack.LocustEndpoint('/public/pvp2/v1/init', ['post', 'get'])

ResetSession = Backpack.LocustEndpoint('/public/session/v1/cheat/reset','post',
            name='ResetSession')

SessionStart = Backpack.LocustEndpoint('/public/session/v1/start', 'post',
            body={"device_type": "test",
                    "device_id": "test", 
                    "version": 320, 
                    "language": "RO", 
                    "gender": 1, 
                    "name": "load_test", 
                    "platform": 1})

EventInit = Backpack.LocustEndpoint('/public/event/v1/init', 'post')

EventInit >> DEPENDS_ON('player') >> SessionStart

auth_header = {'Authorization': 'Bearer load-test'}

zipped = []


class LoopTasks(TaskSet):
    def on_start(self):
        for endp in [TeamInit, ResetSession, SessionStart, PvP2Init, EventInit]:
            endp.attach(self)
        Backpack.SetGlobal('headers', auth_header)
        Backpack.SetGlobal('headers', auth_header, selective=[EventInit, TeamInit])

    @task
    def requests_and_chains(self):
        TeamInit.Request()
        PvP2Init.Request('get')

        ResetSession + SessionStart

        TeamInit + ResetSession + SessionStart + EventInit

        if EventInit.Result.success: pass
        if EventInit: pass

    @task
    def the_result(self):
        SessionStart.Request()
        EventInit.Request()
        EventInit.Result.success       # Equals True if request is successful
        EventInit.Result.failure       # Equals True if request has failed
        EventInit.Result.status_code   # Equals the status code of the request
        EventInit.Result.response      # Contains the bare response of the request
        EventInit.Result.json()        # Tries to return the json-formatted response
        if EventInit.Result.json().get('player') != SessionStart.Result.json()['player']:
            raise AssertionError("another user's player")


class UnzipTasks(TaskSet):
    def on_start(self):
        Backpack.Unzip(self)

    @task
    def sealing(self):
        EventInit.seal
        EventInit.Request()          # skipped: a silent failure, not recorded
        if EventInit:
            raise AssertionError("a sealed endpoint's Result succeeded")
        EventInit.unseal

        Backpack.SealAll()
        TeamInit.Request()           # skipped too
        Backpack.UnsealAll()
        TeamInit.Request()

    @task
    def zipping(self):
        if not zipped:
            zipped.append(Backpack.Zip())


class LoopUser(HttpUser):
    wait_time = constant(0.05)
    tasks = [LoopTasks]


class UnzipUser(HttpUser):
    wait_time = constant(0.05)
    tasks = [UnzipTasks]


@events.test_stop.add_listener
def zip_at_the_end(environment, **kwargs):
    Backpack.Zip()
