"""Who may do what in the sales ↔ marketing flow (DESIGN §5), registered by ``LeadsConfig``."""

from accounts.models import DepartmentKind
from accounts.policy import ALL_KINDS, Allow, admin_only, department

RULES: dict[str, Allow] = {
    # Configuration of the funnel: ideal-customer tiers, scoring, MQL settings — admins.
    "tiers.manage": admin_only,
    "scoring.manage": admin_only,
    "lead_settings.manage": admin_only,
    "campaigns.manage": department(DepartmentKind.MARKETING, managers_of=ALL_KINDS),
    # Create leads: marketing and sales; import and qualify: marketing; managers all three.
    "leads.create": department(
        DepartmentKind.MARKETING, DepartmentKind.SALES, managers_of=ALL_KINDS
    ),
    "leads.import": department(DepartmentKind.MARKETING, managers_of=ALL_KINDS),
    "leads.qualify": department(DepartmentKind.MARKETING, managers_of=ALL_KINDS),
    "leads.update": department(
        DepartmentKind.MARKETING, DepartmentKind.SALES, managers_of=ALL_KINDS
    ),
    # Correct a rejected lead's data and hand it to sales again (rejected → mql): marketing.
    "leads.resubmit": department(DepartmentKind.MARKETING, managers_of=(DepartmentKind.MARKETING,)),
    "leads.disqualify": department(
        DepartmentKind.MARKETING, DepartmentKind.SALES, managers_of=ALL_KINDS
    ),
    # Accept / reject / convert MQLs and manage deals: sales, sales managers, admins.
    "leads.respond": department(DepartmentKind.SALES, managers_of=(DepartmentKind.SALES,)),
    "deals.manage": department(DepartmentKind.SALES, managers_of=(DepartmentKind.SALES,)),
    # Reopen a won or lost deal (with a reason): sales managers and admins.
    "deals.reopen": department(managers_of=(DepartmentKind.SALES,)),
    "leads.reassign": department(managers_of=(DepartmentKind.SALES, DepartmentKind.MARKETING)),
    # Collateral: marketing curates, sales uses; content requests go sales → marketing.
    "collateral.manage": department(
        DepartmentKind.MARKETING, managers_of=(DepartmentKind.MARKETING,)
    ),
    "collateral.use": department(DepartmentKind.SALES, managers_of=(DepartmentKind.SALES,)),
    "content_requests.create": department(
        DepartmentKind.SALES, managers_of=(DepartmentKind.SALES,)
    ),
    "content_requests.handle": department(
        DepartmentKind.MARKETING, managers_of=(DepartmentKind.MARKETING,)
    ),
    # Lead-quality complaints: sales files, marketing answers.
    "complaints.file": department(DepartmentKind.SALES, managers_of=(DepartmentKind.SALES,)),
    "complaints.answer": department(
        DepartmentKind.MARKETING, managers_of=(DepartmentKind.MARKETING,)
    ),
}
