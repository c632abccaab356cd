"""The data model: SQLAlchemy 2 ORM classes, one module per aggregate."""

from models.base import Base, utcnow
from models.blob import PhotoBlob, PhotoChunk
from models.bulletin import (
    Bulletin,
    BulletinLine,
    BulletinRecipient,
    BulletinSection,
    BulletinState,
)
from models.campaign import Campaign, CampaignCase
from models.case import (
    FILE_ID_PLATFORM,
    OPEN_STATES,
    AuditAnchor,
    Case,
    CaseEvent,
    CaseSource,
    CaseState,
    Draft,
    Photo,
    PhotoKind,
    Severity,
    Stage,
)
from models.grid import GridCell, Level, ProtectionZone, WaterSource, Zone
from models.group import GroupBinding
from models.inbox import Inbox, InboxState, PaceMark
from models.member import Invite, Member, MemberEvent, MemberIdentity, Role, SupervisionKind
from models.numbering import DocumentCounter
from models.open311 import Open311Key
from models.outbox import Outbox, OutboxState
from models.patrol import (
    Checkpoint,
    Patrol,
    PatrolCase,
    PatrolPoint,
    PatrolState,
    PointFlag,
)
from models.pending import PendingAction
from models.supervision import (
    ExtensionRequest,
    ExtensionState,
    OrderAnswer,
    OrderState,
    SummaryRecord,
    SupervisionOrder,
)

__all__ = [
    "FILE_ID_PLATFORM",
    "OPEN_STATES",
    "AuditAnchor",
    "Base",
    "Bulletin",
    "BulletinLine",
    "BulletinRecipient",
    "BulletinSection",
    "BulletinState",
    "Campaign",
    "CampaignCase",
    "Case",
    "CaseEvent",
    "CaseSource",
    "CaseState",
    "Checkpoint",
    "DocumentCounter",
    "Draft",
    "ExtensionRequest",
    "ExtensionState",
    "GridCell",
    "GroupBinding",
    "Inbox",
    "InboxState",
    "Invite",
    "Level",
    "Member",
    "MemberEvent",
    "MemberIdentity",
    "Open311Key",
    "OrderAnswer",
    "OrderState",
    "Outbox",
    "OutboxState",
    "PaceMark",
    "Patrol",
    "PatrolCase",
    "PatrolPoint",
    "PatrolState",
    "PendingAction",
    "Photo",
    "PhotoBlob",
    "PhotoChunk",
    "PhotoKind",
    "PointFlag",
    "ProtectionZone",
    "Role",
    "Severity",
    "Stage",
    "SummaryRecord",
    "SupervisionKind",
    "SupervisionOrder",
    "WaterSource",
    "Zone",
    "utcnow",
]
