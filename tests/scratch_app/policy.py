from accounts.models import DepartmentKind
from accounts.policy import Allow, department

RULES: dict[str, Allow] = {"notes.create": department(DepartmentKind.PRODUCT)}
