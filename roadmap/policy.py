"""Who may do what in the sales ↔ product flow (DESIGN §5), registered by ``RoadmapConfig``.

Reading the roadmap (requests, demands, promises, the impact figures) needs only an active
membership: it is a shared object every department sees.
"""

from accounts.models import DepartmentKind
from accounts.policy import Allow, department, everyone

SALES, CS, PRODUCT = DepartmentKind.SALES, DepartmentKind.CS, DepartmentKind.PRODUCT

RULES: dict[str, Allow] = {
    # Read the roadmap, its requests, demands and promises: every member.
    "roadmap.view": everyone,
    # Propose a feature request: the departments that hear customers, and product itself.
    "roadmap.create": department(SALES, CS, PRODUCT),
    # Record demand on a feature request (blocking, expansion, retention): sales and CS.
    "roadmap.demand": department(SALES, CS),
    # Status, owner, effort, target release, merging, approving or declining promises:
    # product (its members and managers) and admins.
    "roadmap.manage": department(PRODUCT, managers_of=(PRODUCT,)),
    # Promise a feature on a deal: sales.
    "roadmap.promise": department(SALES),
    # Tier weights of the priority score: admins (the admin's configuration pages).
    "roadmap.configure": Allow(),
}
