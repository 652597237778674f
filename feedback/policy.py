"""Who may do what in cross-department feedback (DESIGN §5), registered by ``FeedbackConfig``.

Answering is open to every member, but the service accepts answers only from the round's
participants. Nothing here — nor anywhere — lets anyone see who gave an anonymous answer.
"""

from accounts.policy import Allow, admin_only, everyone, managers

RULES: dict[str, Allow] = {
    # See rounds, answer the ones you take part in, read closed rounds' results and the
    # action items: every member.
    "feedback.view": everyone,
    # Create, schedule, open and close rounds; create and assign action items: managers
    # (of any department) and admins.
    "feedback.manage": managers,
    # Results of a round still open, and the collaboration health page: managers, admins.
    "feedback.results": managers,
    # Nothing to configure yet beyond rounds; kept for the admin's settings screens.
    "feedback.configure": admin_only,
}
