"""SQLModel tables, the async engine and sessions, and repositories.

Importing this package registers every table on ``metadata`` (Alembic and ``create_all`` rely
on that).
"""

from models.accounts import Account, Invite
from models.announcements import Announcement as Announcement  # and its recipients
from models.audit import AuditEntry
from models.base import metadata
from models.callouts import Callout as Callout
from models.callouts import CalloutResponse as CalloutResponse
from models.conversations import Conversation
from models.elders import Elder as Elder  # registers every door-knock table
from models.enums import Availability, OutboxState, Party, Role
from models.health import HealthProbe as HealthProbe
from models.hours import ServiceHours
from models.intake import IntakeUpdate
from models.leases import Lease as Lease
from models.outbox import OutboxMessage
from models.questions import Question
from models.reports import ReportRun as ReportRun
from models.volunteers import Team, TeamMember, Volunteer, VolunteerAvailability, VolunteerSkill

__all__ = [
    "Account",
    "AuditEntry",
    "Availability",
    "Conversation",
    "IntakeUpdate",
    "Invite",
    "OutboxMessage",
    "OutboxState",
    "Party",
    "Question",
    "Role",
    "ServiceHours",
    "Team",
    "TeamMember",
    "Volunteer",
    "VolunteerAvailability",
    "VolunteerSkill",
    "metadata",
]
