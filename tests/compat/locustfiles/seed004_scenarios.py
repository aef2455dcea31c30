# ruff: noqa
# fmt: off
# Seed 004 ("Locust Backpack"), part 2: the package page's Chain, Scenario, WeightedScenario
# and SequenceScenario fragments, run under horde against tests/game_server.py.
# Restored (lost or garbled when the page was captured), and nothing else:
#   * the endpoints come from part 1's declarations (repeated here);
#   * `backpack.Scenario(...)` is written `Backpack.Scenario(...)`, the name the page imports;
#   * the calls SCENARIO.run(), SCENARIO.run_once(), SCENARIO_2.run() and SCENARIO_3.run()
#     were lost from their blocks: written as the text describes;
#   * the page shows no User class: one user class per construct runs it in a task, and
#     SequenceUser starts a session first so that EventInit has a player whatever the chances;
#   * the page rebinds SCENARIO_3 to its weighted form; plain_sequences keeps the first one.
import locust_backpack as Backpack
from locust_backpack import DEPENDS_ON
from locust import HttpUser, task, constant

TeamInit = Backpack.LocustEndpoint('/public/team/v1/init', 'post')
PvP2Init = Backpack.LocustEndpoint('/public/pvp2/v1/init', ['post', 'get'])
ResetSession = Backpack.LocustEndpoint('/public/session/v1/cheat/reset','post',
            name='ResetSession')
SessionStart = Backpack.LocustEndpoint('/public/session/v1/start', 'post',
            body={"device_type": "test", "version": 320, "platform": 1})
EventInit = Backpack.LocustEndpoint('/public/event/v1/init', 'post')

EventInit >> DEPENDS_ON('player') >> SessionStart

scenario_endpoints = [(TeamInit, 'post'), (ResetSession, 'post'),
                    (SessionStart, 'post'), (PvP2Init, 'get'),
                    (PvP2Init, 'post'), (EventInit, 'post')]
SCENARIO = Backpack.Scenario(scenario_endpoints, runtime=10, independent_requests=True)

scenario_endpoints = [(TeamInit, 'post', 100), (ResetSession, 'post', 20),
                    (SessionStart, 'post', 100), (PvP2Init, 'get', 75), 
                    (PvP2Init, 'post', 15), (EventInit, 'post', 50)]

SCENARIO_2 = Backpack.WeightedScenario(scenario_endpoints, runtime=15)

sequence_1 = [(TeamInit, 'post', 10), (ResetSession, 'post', 20)]
sequence_2 = [(SessionStart, 'post', 30), (PvP2Init, 'get', 20)]
sequence_3 = [(PvP2Init, 'post', 50), (EventInit, 'post', 80)]

SCENARIO_3 = Backpack.SequenceScenario([sequence_1, sequence_2, sequence_3])
plain_sequences = SCENARIO_3

SCENARIO_3 = Backpack.SequenceScenario([(sequence_1, 40), (sequence_2, 70), (sequence_3, 25)])


class ChainUser(HttpUser):
    wait_time = constant(0.1)

    def on_start(self):
        Backpack.Unzip(self)

    @task
    def chain(self):
        Backpack.Chain([(PvP2Init, 'get'), (PvP2Init, 'post')], wait=2)


class ScenarioUser(HttpUser):
    wait_time = constant(0.1)

    def on_start(self):
        Backpack.Unzip(self)

    @task
    def scenario(self):
        SCENARIO.run()

    @task
    def scenario_once(self):
        SCENARIO.run_once()


class WeightedUser(HttpUser):
    wait_time = constant(0.1)

    def on_start(self):
        Backpack.Unzip(self)

    @task
    def weighted(self):
        SCENARIO_2.run()


class SequenceUser(HttpUser):
    wait_time = constant(0.1)

    def on_start(self):
        Backpack.Unzip(self)
        SessionStart.Request()

    @task
    def sequences(self):
        plain_sequences.run()

    @task
    def weighted_sequences(self):
        SCENARIO_3.run()
