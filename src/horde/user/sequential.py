"""SequentialTaskSet: tasks run in declaration order, over and over."""

from __future__ import annotations

from typing import Any

from horde.exceptions import LocustfileError
from horde.user.task import TaskSet, TaskSetMeta, _no_tasks_message


class SequentialTaskSet(TaskSet, metaclass=TaskSetMeta):
    """Runs its tasks in the order they were declared; a weight repeats a task in place."""

    def __init__(self, parent: Any) -> None:
        super().__init__(parent)
        self._task_index = 0

    def get_next_task(self) -> Any:
        tasks = self.tasks
        if not tasks:
            raise LocustfileError(_no_tasks_message(type(self)))
        task = tasks[self._task_index % len(tasks)]
        self._task_index += 1
        return task
