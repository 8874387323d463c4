"""The trusted-access program: who may use which capability, on what, and when."""
