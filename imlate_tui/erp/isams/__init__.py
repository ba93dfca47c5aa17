"""The iSAMS REST client: ``IsamsClient``, its typed models and its errors.

See docs/isams.md for the endpoints used and what is still unverified against a real tenant.
"""

from .client import IsamsClient
from .errors import (IsamsAuthError, IsamsBadResponse, IsamsError, IsamsInvalidRequest, IsamsNotFound,
                     IsamsPermissionError, IsamsUnavailable)
from .models import (AbsenceCode, Division, Employee, PresentCode, RegistrationPeriod, RegistrationStatus,
                     RegistrationUpdate, StaffRoll, Student, StudentPhoto, StudentRoll, YearGroup)
from .retry import RetryPolicy

__all__ = [
    "AbsenceCode", "Division", "Employee", "IsamsAuthError", "IsamsBadResponse", "IsamsClient", "IsamsError",
    "IsamsInvalidRequest", "IsamsNotFound", "IsamsPermissionError", "IsamsUnavailable", "PresentCode",
    "RegistrationPeriod", "RegistrationStatus", "RegistrationUpdate", "RetryPolicy", "StaffRoll", "Student",
    "StudentPhoto", "StudentRoll", "YearGroup",
]
