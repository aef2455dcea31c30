# ruff: noqa
# fmt: off
# Seed 000 ("Pairing Locust and Slumber"): both task sets from the post. Changed, because the
# post's snippets cannot run as they are:
#   * the second snippet's class is renamed GroupedTaskSet (both snippets call it
#     ExampleTaskSet) and the URL 'http://example.com/api/v1/' is built from the user's host
#     instead (the demo target serves the same /api/v1/resource/ API);
#   * the post shows no User class: ListUser and GroupedUser run one task set each.
# LocustResource is verbatim.
import random

from locust import HttpUser, TaskSet, task, constant
from slumber import Resource, API, exceptions

class ExampleTaskSet(TaskSet):
    @task
    def example_task(self):
        url = self.user.host + '/api/v1/'
        api = API(url, session=self.client)

        # GET http://example.com/api/v1/resource/
        api.resource.get()

class LocustResource(Resource):
    def _request(self, method, data=None, files=None, params=None):
        serializer = self._store['serializer']
        url = self.url()

        headers = {'accept': serializer.get_content_type()}

        if not files:
            headers['content-type'] = serializer.get_content_type()
            if data is not None:
                data = serializer.dumps(data)

        # Used to group requests to URLs like
        #   'http://example.com/api/v1/resource/1/'
        # and
        #   'http://example.com/api/v1/resource/2/'
        # under a name like
        #   '/api/v1/resource/:id/'
        name = params.pop('name', None)

        resp = self._store['session'].request(
            method,
            url,
            data=data,
            params=params,
            files=files,
            headers=headers,
            name=name
        )

        if 400 <= resp.status_code <= 499:
            exception_class = exceptions.HttpNotFoundError if resp.status_code == 404 else exceptions.HttpClientError

            raise exception_class(
                'Client Error %s: %s' % (resp.status_code, url),
                response=resp,
                content=resp.content
            )
        elif 500 <= resp.status_code <= 599:
            raise exceptions.HttpServerError(
                'Server Error %s: %s' % (resp.status_code, url),
                response=resp,
                content=resp.content
            )

        self._ = resp

        return resp

class LocustApiClient(API):
    resource_class = LocustResource

class GroupedTaskSet(TaskSet):
    @task
    def example_task(self):
        url = self.user.host + '/api/v1/'
        api = LocustApiClient(url, session=self.client)

        # GET http://example.com/api/v1/resource/{id}/
        id = random.randint(1, 10)
        api.resource(id).get(name='foo')

class ListUser(HttpUser):
    wait_time = constant(0.05)
    tasks = [ExampleTaskSet]

class GroupedUser(HttpUser):
    wait_time = constant(0.05)
    tasks = [GroupedTaskSet]
