"""Serves moto (server mode) on 127.0.0.1 for the @taskport/aws tests.

moto emulates the AWS APIs but runs no containers, so a test needs to play the container runtime. This
launcher serves moto's own WSGI app and adds what the runtime / ECS itself would do, nothing more:

* ``POST /_taskport/ecs/task-state`` (test only) sets a task's ``lastStatus``, ``stopCode``,
  ``stoppedReason`` and the exit code of its container, as the ECS agent would report them.
* ``POST /_taskport/ecs/forget-task`` (test only) drops a task, as ECS does about an hour after a task
  stopped: afterwards DescribeTasks no longer returns it (ECS reports it MISSING).
* Gaps of moto 5.2.5 closed to match documented ECS behaviour (each named in docs/providers/aws.md):
  - new tasks start in PROVISIONING (moto starts them in RUNNING) and have no exit code until they stop
    (moto reports 0 from the start);
  - RunTask honours ``clientToken`` (moto ignores it): the same token returns the same task;
  - StopTask sets ``stopCode: UserInitiated``, ``stoppingAt`` and ``stoppedAt`` (moto sets none);
  - RunTask refuses an INACTIVE (deregistered) task definition with ClientException (moto runs it);
  - RunTask accepts a Fargate task definition whose containers leave memory to the task (moto crashes).
  - DynamoDB writes are serialised: TransactWriteItems checks its conditions and writes as one isolated step, as
    DynamoDB documents (moto checks and writes without a lock, so two concurrent transactions on this threaded
    server could both pass their conditions).

Usage: python launcher.py [--port N]   (0 = any free port). Prints ``READY <port>`` once listening.
"""

import argparse
import json
import sys
import threading
from datetime import datetime, timezone

from moto.dynamodb import models as dynamodb_models
from moto.ecs import exceptions as ecs_exceptions
from moto.ecs import models as ecs_models
from moto.ecs import responses as ecs_responses
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

TEST_PREFIX = "/_taskport/"


def _now():
    return datetime.now(timezone.utc)


# --- ECS fidelity patches ----------------------------------------------------------------------------

_original_task_init = ecs_models.Task.__init__


def _task_init(self, *args, **kwargs):
    _original_task_init(self, *args, **kwargs)
    # ECS reports PROVISIONING first; the driver moves the task on, as the agent would.
    self.last_status = "PROVISIONING"
    self.stop_code = None
    self.started_at = None
    self.stopping_at = None
    self.stopped_at = None
    self.created_at = _now()
    for container in self.containers:
        container.last_status = "PENDING"
        container.exitCode = None


ecs_models.Task.__init__ = _task_init

_original_requirements = ecs_models.EC2ContainerServiceBackend._calculate_task_resource_requirements


def _requirements(task_definition):
    # Fargate task definitions may leave container memory unset when the task sets it (moto crashes).
    try:
        return _original_requirements(task_definition)
    except TypeError:
        return {"CPU": int(task_definition.cpu or 0), "MEMORY": int(task_definition.memory or 0), "PORTS": [], "PORTS_UDP": []}


ecs_models.EC2ContainerServiceBackend._calculate_task_resource_requirements = staticmethod(_requirements)

_original_stop_task = ecs_models.EC2ContainerServiceBackend.stop_task


def _stop_task(self, cluster_str, task_str, reason):
    task = _original_stop_task(self, cluster_str, task_str, reason)
    now = _now()
    if task.stop_code is None:
        task.stop_code = "UserInitiated"
    task.stopping_at = task.stopping_at or now
    task.stopped_at = task.stopped_at or now
    for container in task.containers:
        container.last_status = "STOPPED"
    return task


ecs_models.EC2ContainerServiceBackend.stop_task = _stop_task

_original_run_task = ecs_models.EC2ContainerServiceBackend.run_task


def _run_task(self, cluster_str, task_definition_str, *args, **kwargs):
    # ECS refuses to start new tasks from a deregistered (INACTIVE) revision; moto runs them.
    if self.describe_task_definition(task_definition_str).status == "INACTIVE":
        raise ecs_exceptions.EcsClientException("TaskDefinition is inactive")
    return _original_run_task(self, cluster_str, task_definition_str, *args, **kwargs)


ecs_models.EC2ContainerServiceBackend.run_task = _run_task

_original_run_task_response = ecs_responses.EC2ContainerServiceResponse.run_task
_client_tokens = {}
_client_tokens_lock = threading.Lock()


def _run_task_response(self):
    token = self._get_param("clientToken")
    if not token:
        return _original_run_task_response(self)
    key = (self.current_account, self.region, token)
    with _client_tokens_lock:
        task_arns = _client_tokens.get(key)
        if task_arns is None:
            result = _original_run_task_response(self)
            _client_tokens[key] = [task.task_arn for task in result.result["tasks"]]
            return result
    tasks = [_find_task(arn)[0] for arn in task_arns]
    return ecs_responses.ActionResult({"tasks": [t for t in tasks if t is not None], "failures": []})


ecs_responses.EC2ContainerServiceResponse.run_task = _run_task_response


def _find_task(ref):
    task_id = ref.split("/")[-1]
    for account_id, regions in ecs_models.ecs_backends.items():
        for region, backend in regions.items():
            for cluster_tasks in backend.tasks.values():
                for arn, task in cluster_tasks.items():
                    if arn == ref or arn.split("/")[-1] == task_id:
                        return task, backend
    return None, None


# --- DynamoDB isolation ------------------------------------------------------------------------------

_dynamodb_writes = threading.RLock()


def _serialised(method):
    def locked(self, *args, **kwargs):
        with _dynamodb_writes:
            return method(self, *args, **kwargs)

    return locked


for _name in ("put_item", "update_item", "delete_item", "transact_write_items"):
    setattr(
        dynamodb_models.DynamoDBBackend,
        _name,
        _serialised(getattr(dynamodb_models.DynamoDBBackend, _name)),
    )


# --- Test-only endpoint ------------------------------------------------------------------------------


def _set_task_state(body):
    task, _backend = _find_task(str(body.get("task", "")))
    if task is None:
        return 404, {"error": f"no task {body.get('task')!r}"}
    now = _now()
    status = body.get("lastStatus")
    if status:
        task.last_status = status
        if status == "RUNNING":
            task.started_at = task.started_at or now
            for container in task.containers:
                container.last_status = "RUNNING"
        if status == "STOPPED":
            task.desired_status = "STOPPED"
            task.stopping_at = task.stopping_at or now
            task.stopped_at = task.stopped_at or now
            for container in task.containers:
                container.last_status = "STOPPED"
    if "stopCode" in body:
        task.stop_code = body["stopCode"]
    if "stoppedReason" in body:
        task.stopped_reason = body["stoppedReason"]
    if "exitCode" in body:
        name = body.get("container")
        for container in task.containers:
            if name is None or container.name == name:
                container.exitCode = body["exitCode"]
    return 200, {"taskArn": task.task_arn, "lastStatus": task.last_status}


def _forget_task(body):
    task, backend = _find_task(str(body.get("task", "")))
    if task is None:
        return 404, {"error": f"no task {body.get('task')!r}"}
    for cluster_tasks in backend.tasks.values():
        cluster_tasks.pop(task.task_arn, None)
    return 200, {"forgotten": task.task_arn}


def _with_test_endpoints(app):
    def wrapped(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(TEST_PREFIX):
            return app(environ, start_response)
        request = Request(environ)
        if path == TEST_PREFIX + "ecs/task-state" and request.method == "POST":
            status, payload = _set_task_state(json.loads(request.get_data() or b"{}"))
        elif path == TEST_PREFIX + "ecs/forget-task" and request.method == "POST":
            status, payload = _forget_task(json.loads(request.get_data() or b"{}"))
        elif path == TEST_PREFIX + "health":
            status, payload = 200, {"ok": True}
        else:
            status, payload = 404, {"error": f"unknown test endpoint {path}"}
        return Response(json.dumps(payload), status=status, mimetype="application/json")(environ, start_response)

    return wrapped


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    app = _with_test_endpoints(DomainDispatcherApplication(create_backend_app))
    server = make_server(args.host, args.port, app, threaded=True)
    print(f"READY {server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
