"""A placeholder locustfile for the Kubernetes manifests (the horde-locustfile ConfigMap).

Replace it with your own: docs/deploy.md, "Your locustfile". The host is the system under test
as the pods see it, usually a Service name; the web UI's form and ``--host`` override it.
"""

from locust import HttpUser, between, task


class Visitor(HttpUser):
    host = "http://target.example.svc:8080"
    wait_time = between(1, 3)

    @task
    def index(self) -> None:
        self.client.get("/")
