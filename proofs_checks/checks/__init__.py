"""Built-in checks, one module per claim family; imported by ``load_builtin_checks``."""
