"""Browser forms of the leads flow, by area. They check the shape of input; services apply
the rules.

Every form that chooses tenant rows (tier, campaign, owner, company, deal, collateral,
example leads) extends ``collab_hub.tenancy.TenantFormMixin``: its choice querysets are
declared unscoped here and narrowed to what the page's member may see, so a foreign or
invisible id posted by hand is a form error, never a cross-tenant link. Such forms take
``membership=``.
"""

from leads.forms.collateral import (
    CollateralForm,
    CompleteForm,
    ContentRequestForm,
    DeclineForm,
    LibraryFilterForm,
)
from leads.forms.deals import (
    BoardFilterForm,
    ContactForm,
    DealForm,
    LoseForm,
    OwnMaterialForm,
    UseCollateralForm,
)
from leads.forms.fields import DateInput, MemberChoiceField, sales_members
from leads.forms.imports import ImportForm
from leads.forms.leads import (
    CampaignForm,
    ConvertForm,
    LeadFilterForm,
    LeadForm,
    NoteForm,
    QualifyForm,
    RejectForm,
)
from leads.forms.quality import AnswerForm, ComplaintForm
from leads.forms.reports import ReportRangeForm

__all__ = [
    "AnswerForm",
    "BoardFilterForm",
    "CampaignForm",
    "CollateralForm",
    "ComplaintForm",
    "CompleteForm",
    "ContactForm",
    "ContentRequestForm",
    "ConvertForm",
    "DateInput",
    "DealForm",
    "DeclineForm",
    "ImportForm",
    "LeadFilterForm",
    "LeadForm",
    "LibraryFilterForm",
    "LoseForm",
    "MemberChoiceField",
    "NoteForm",
    "OwnMaterialForm",
    "QualifyForm",
    "RejectForm",
    "ReportRangeForm",
    "UseCollateralForm",
    "sales_members",
]
