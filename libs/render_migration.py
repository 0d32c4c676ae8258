"""Dev tool: print Alembic create_table operations for a tables module, to paste into a new migration.

python -m libs.render_migration services.triage.adapters.tables
"""

from __future__ import annotations

import importlib
import sys

from alembic.autogenerate import render_python_code
from alembic.migration import MigrationContext
from alembic.operations import ops


def render(module_name: str) -> str:
    module = importlib.import_module(module_name)
    context = MigrationContext.configure(dialect_name="postgresql", opts={"target_metadata": module.metadata})
    upgrade = ops.UpgradeOps(ops=[ops.CreateTableOp.from_table(t) for t in module.metadata.sorted_tables])
    return render_python_code(upgrade, migration_context=context)


if __name__ == "__main__":
    print(render(sys.argv[1]))
