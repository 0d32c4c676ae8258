from tests.compensation.system import comp, comp_system  # noqa: F401
