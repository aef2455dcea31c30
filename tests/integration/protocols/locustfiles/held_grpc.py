"""Each user makes one unary call the server holds until 100 are in flight."""

import os
import sys

sys.path.insert(0, os.environ["PROBE_DIR"])

import probe_pb2
import probe_pb2_grpc
from held_common import one_more_finished
from locust import constant, task

from horde.protocols.grpc import GrpcUser


class Held(GrpcUser):
    stub_class = probe_pb2_grpc.ProbeStub
    wait_time = constant(600)

    @task
    def hold(self) -> None:
        self.stub.Echo(probe_pb2.Msg(text="x", hold=True), timeout=40)
        one_more_finished()
