"""Assets an organization proves it owns, and the red-team engagements scoped to them.

``service`` registers, reads and verifies assets; ``engagements`` requests, decides and
checks engagements; ``base`` is the extension point for ownership verifiers.
"""
