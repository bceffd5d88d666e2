"""Chinese names for the third-party apps the admin shows.

An app's name is not translated by Django (it is printed as set), so these
subclasses give it one; everything else of the apps stays theirs.  Their
model and field names are lazily translated strings: the zh_Hans catalogue
in jianbao/core/locale translates them, without touching their migrations.
"""

from axes.apps import AppConfig as AxesAppConfig
from django_tasks_db.apps import TasksAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = "登录保护"


class TasksDatabaseConfig(TasksAppConfig):
    verbose_name = "后台任务"
