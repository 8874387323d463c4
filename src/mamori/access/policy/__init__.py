"""The one authorization point: Cedar policies over facts read from the database.

``Authorizer.authorize(principal, action, resource)`` decides every capability call,
records the decision in the transparency log and raises on deny. The policies are the
``policies/*.cedar`` files shipped with the package; a broken or empty set denies
everything.
"""

from mamori.access.policy.engine import PolicyEngine
from mamori.access.policy.loader import POLICY_DIR, load_policies
from mamori.access.policy.service import Authorizer

__all__ = ["POLICY_DIR", "Authorizer", "PolicyEngine", "load_policies"]
