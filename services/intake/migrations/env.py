from alembic import context

from libs.migrations import run_env

run_env(context)
