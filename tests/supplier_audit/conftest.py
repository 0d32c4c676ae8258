from tests.supplier_audit.fixtures import sa_system, stub  # noqa: F401
