"""The clinic's API for its other systems: tokens (tokens.py), the REST framework glue
shared by every app's endpoints (framework.py), the schema and docs (urls.py)."""
