"""How long each kind of text may be: the one place the tables' column widths, the checks on
what staff type, the importers and the commands take them from."""

from __future__ import annotations

LOGIN = 64  # a member of staff's login (also a lead inspector as recorded on a call)
PERSON_NAME = 120  # a caller's, a contact's or a member of staff's name, a contact's role
REGION = 60
URN = 6
PHONE = 20  # E.164
ORGANISATION_NAME = 200  # a school's or a responsible body's name
EMAIL = 200
SCHOOL_TYPE = 120
SCHOOL_PHASE = 60
LOCAL_AUTHORITY = 120
POSTCODE = 10
CONFLICT_REASON = 300
INSPECTION_REFERENCE = 40

SUMMARY = 2000  # what the caller's concern is
NOTE = 2000  # a contact attempt's or a notification's note
REASON = 2000  # why a call was released or reassigned
SIGNPOSTING_REASON = 2000  # why signposting was not offered
ADVICE = 8000
OUTCOME = 4000  # a closed call's outcome summary
RATIONALE = 4000  # a pause decision's rationale
JUSTIFICATION = 4000  # why an exceptional pause needs longer
COUNTERSIGN_REASON = 4000
FEEDBACK = 4000  # a supervisor's review feedback
FOLLOW_UP = 300  # what a follow-up is for, one line
RISK_WHAT = 2000  # what the immediate risk to someone is
RISK_REFERENCE = 60  # an emergency service's or safeguarding team's reference
