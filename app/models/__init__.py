"""All models, importable from one place (``from app.models import User``)."""

from .audit import ApiToken, AuditEntry, OneTimeToken
from .base import UTCDateTime, utcnow
from .deadline import DeadlineExtension
from .framework import Action, Perspective, Pillar, Theme
from .mail import (
    DigestItem,
    MailKind,
    MailStatus,
    OutboxMail,
    ReminderSchedule,
    ReminderSent,
)
from .people import (
    ORG_KIND_LABELS,
    SIZE_BAND_LABELS,
    Organisation,
    OrgKind,
    Role,
    SizeBand,
    User,
    leader_actions,
    normalise_email,
    organisation_actions,
)
from .questionnaire import (
    DEFAULT_TIME_ZONE,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    QuestionOption,
    ThemeWeight,
    VersionStatus,
)
from .response import (
    EDITABLE_STATES,
    QUOTE_CONSENT_LABELS,
    RESPONSE_STATE_LABELS,
    Answer,
    AnswerChange,
    QuoteConsent,
    Response,
    ResponseEvent,
    ResponseState,
    ResponseThemeScore,
    ReviewComment,
)
from .sessions import UserSession
from .snapshot import ResultsSnapshot, SnapshotImmutableError
from .stash import FormStash

__all__ = [
    "DEFAULT_TIME_ZONE",
    "EDITABLE_STATES",
    "DeadlineExtension",
    "DigestItem",
    "FormStash",
    "MailKind",
    "MailStatus",
    "OutboxMail",
    "ReminderSchedule",
    "ReminderSent",
    "ORG_KIND_LABELS",
    "QUOTE_CONSENT_LABELS",
    "SIZE_BAND_LABELS",
    "Action",
    "Answer",
    "AnswerChange",
    "ApiToken",
    "AuditEntry",
    "OneTimeToken",
    "OrgKind",
    "Organisation",
    "Perspective",
    "Pillar",
    "Question",
    "QuestionOption",
    "Questionnaire",
    "QuestionnaireVersion",
    "QuoteConsent",
    "Response",
    "ResponseEvent",
    "RESPONSE_STATE_LABELS",
    "ResponseState",
    "ResponseThemeScore",
    "ResultsSnapshot",
    "ReviewComment",
    "Role",
    "SizeBand",
    "SnapshotImmutableError",
    "Theme",
    "ThemeWeight",
    "UTCDateTime",
    "User",
    "UserSession",
    "VersionStatus",
    "leader_actions",
    "normalise_email",
    "organisation_actions",
    "utcnow",
]
