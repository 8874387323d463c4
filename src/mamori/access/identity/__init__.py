"""People (organization users and program staff), their second factor and sessions, and
service API keys; and turning a bearer token into a principal."""
